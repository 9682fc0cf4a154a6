import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { functionPackageJson } from '../infra/bundle';
import { NODE_RUNTIME } from '../infra/components/webhookService';

// What is tested is what production runs: the suites, CI and deploy jobs run on the Node major the
// service deploys on, whatever Node the machine has (npm's scripts put node_modules/.bin first on
// PATH, where the registry's Node binary package links `node`).

const ROOT = join(__dirname, '..');
const major = (version: string) => /^v?(\d+)/.exec(version)?.[1];
const deployMajor = /^nodejs(\d+)$/.exec(NODE_RUNTIME)?.[1];

type Step = { uses?: string; with?: Record<string, unknown> };
type Doc = {
  jobs?: Record<string, { steps?: Step[] }>;
  runs?: { steps?: Step[] };
  inputs?: Record<string, { default?: unknown }>;
};
const yaml = (path: string) => load(readFileSync(join(ROOT, path), 'utf8')) as Doc;

/** Every `actions/setup-node` step in the workflows and the local actions. */
function setupNodeSteps(): { file: string; step: Step }[] {
  const files = [
    ...readdirSync(join(ROOT, '.github/workflows')).map((f) => `.github/workflows/${f}`),
    ...readdirSync(join(ROOT, '.github/actions')).map((d) => `.github/actions/${d}/action.yml`),
  ];
  return files.flatMap((file) => {
    const doc = yaml(file);
    return Object.values(doc.jobs ?? { action: doc.runs ?? {} })
      .flatMap((job) => job.steps ?? [])
      .filter((step) => String(step.uses ?? '').startsWith('actions/setup-node@'))
      .map((step) => ({ file, step }));
  });
}

describe('the Node the kit is tested on', () => {
  it('is the major of the runtime the service deploys on', () => {
    expect(deployMajor).toMatch(/^\d+$/);
    expect(major(process.version)).toBe(deployMajor);
  });

  it('is the one CI and the deploy jobs set up', () => {
    const steps = setupNodeSteps();
    expect(steps.length).toBeGreaterThan(0);
    for (const { file, step } of steps) {
      expect({ file, major: major(String(step.with?.['node-version'])) }).toEqual({
        file,
        major: deployMajor,
      });
    }
  });

  it('is what package.json requires, and the Pulumi CLI in deploy jobs matches the locked SDK', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    expect(major(pkg.engines.node.replace(/^\D+/, ''))).toBe(deployMajor);
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    const setup = yaml('.github/actions/deploy-setup/action.yml');
    expect(setup.inputs?.['pulumi-version']?.default).toBe(
      lock.packages['node_modules/@pulumi/pulumi'].version,
    );
  });

  it("is what the function's package.json asks Cloud Functions' build for", () => {
    const { engines } = JSON.parse(functionPackageJson()) as { engines: { node: string } };
    expect(major(engines.node.replace(/^\D+/, ''))).toBe(deployMajor);
  });
});
