// The workflows are read as untyped YAML: the parser above has checked their shape.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';

const ROOT = join(__dirname, '..', '..');
const WORKFLOWS = join('.github', 'workflows');
const ACTIONS = join('.github', 'actions');

const workflowFiles = readdirSync(join(ROOT, WORKFLOWS))
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => join(WORKFLOWS, f));
const actionFiles = readdirSync(join(ROOT, ACTIONS)).map((d) => join(ACTIONS, d, 'action.yml'));

interface Checked {
  path: string;
  kind: 'workflow' | 'action';
  errors: string[];
  jobs?: string[];
}

/** GitHub's own parser, in a child process: it is ESM-only and imports JSON without attributes. */
async function check(...paths: string[]): Promise<Checked[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'validate.mjs'), ...paths],
    { cwd: ROOT, timeout: 60_000 },
  );
  return JSON.parse(stdout) as Checked[];
}

type Yaml = Record<string, any>;
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const yaml = (path: string) => load(read(path)) as Yaml;
const workflow = (name: string) => yaml(join(WORKFLOWS, name));
const steps = (job: Yaml): Yaml[] => job.steps as Yaml[];
const uses = (prefix: string) => (step: Yaml) => String(step.uses ?? '').startsWith(prefix);

describe("the workflows, checked by GitHub's workflow parser", () => {
  it('finds the workflows and the composite action to check', () => {
    expect(workflowFiles.map((f) => f.split('/').pop()).sort()).toEqual([
      'deploy-dev.yml',
      'deploy-prod.yml',
      'pull-request.yml',
      'test.yml',
    ]);
    expect(actionFiles).toEqual([join(ACTIONS, 'deploy-setup', 'action.yml')]);
  });

  it('parses every workflow and action without an error', async () => {
    const results = await check(...workflowFiles, ...actionFiles);
    expect(results.map(({ path, errors }) => ({ path, errors }))).toEqual(
      [...workflowFiles, ...actionFiles].map((path) => ({ path, errors: [] })),
    );
    expect(results.find((r) => r.path.endsWith('deploy-dev.yml'))?.jobs).toEqual([
      'test',
      'deploy',
    ]);
  }, 60_000);

  it('fails on a broken workflow and a broken action, naming each mistake', async () => {
    const [broken, action] = await check(
      'test/github/fixtures/broken-workflow.yml',
      'test/github/fixtures/broken-action/action.yml',
    );
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const at = (line: number, message: string) =>
      expect.stringMatching(new RegExp(`\\(Line: ${line}, Col: \\d+\\): ${escape(message)}`));
    expect(broken.errors).toEqual(
      expect.arrayContaining([
        at(5, "Unexpected value 'branchez'"),
        at(7, "Unexpected value 'admin'"),
        at(12, 'The expression is not closed'),
        at(14, "Unexpected symbol: 'EOF'"),
        at(15, "Unexpected value 'timeout'"),
      ]),
    );
    expect(action.errors).toEqual([expect.stringContaining('Required property is missing: shell')]);
  }, 60_000);
});

describe('the workflows, by the rules of the kit', () => {
  const files = [...workflowFiles, ...actionFiles];

  it('pins every action to a full commit SHA, with its version in a comment, the same everywhere', () => {
    const pins = new Map<string, string>();
    for (const file of files) {
      for (const line of read(file).split('\n')) {
        const match = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
        if (!match || match[1].startsWith('./')) continue;
        const [action, ref] = match[1].split('@');
        expect({ file, action, ref }).toEqual({
          file,
          action,
          ref: expect.stringMatching(/^[0-9a-f]{40}$/),
        });
        expect(match[2]).toMatch(/^ # v\d+\.\d+\.\d+$/);
        expect(pins.get(action) ?? ref).toBe(ref);
        pins.set(action, ref);
      }
    }
    expect([...pins.keys()].sort()).toEqual([
      'actions/checkout',
      'actions/setup-node',
      'google-github-actions/auth',
      'pulumi/actions',
    ]);
  });

  it('grants no permission by default, and each job only what it uses', () => {
    for (const name of ['pull-request.yml', 'deploy-dev.yml', 'deploy-prod.yml']) {
      const wf = workflow(name);
      expect(wf.permissions).toEqual({});
      for (const [id, job] of Object.entries(wf.jobs as Record<string, Record<string, unknown>>)) {
        const expected =
          id === 'test'
            ? { contents: 'read' }
            : id === 'preview'
              ? { contents: 'read', 'id-token': 'write', 'pull-requests': 'write' }
              : { contents: 'read', 'id-token': 'write' };
        expect({ name, id, permissions: job.permissions }).toEqual({
          name,
          id,
          permissions: expected,
        });
      }
    }
    expect(workflow('test.yml').permissions).toEqual({ contents: 'read' });
  });

  it('must not use a service account key: Google credentials come from Workload Identity Federation', () => {
    for (const file of files) expect(read(file)).not.toMatch(/credentials_json|GOOGLE_CREDENTIALS/);
    const auth = (yaml(actionFiles[0]).runs.steps as Record<string, any>[]).find(
      uses('google-github-actions/auth@'),
    );
    expect(auth?.with).toEqual({
      workload_identity_provider: '${{ inputs.workload-identity-provider }}',
      service_account: '${{ inputs.service-account }}',
    });
  });

  it('runs every preview and update with the policy pack', () => {
    const pulumiSteps = ['pull-request.yml', 'deploy-dev.yml', 'deploy-prod.yml'].flatMap((name) =>
      Object.values(workflow(name).jobs as Record<string, Record<string, unknown>>)
        .filter((job) => job.steps)
        .flatMap((job) => steps(job).filter(uses('pulumi/actions@'))),
    );
    expect(pulumiSteps.map((s) => s.with.command).sort()).toEqual(['preview', 'up', 'up']);
    for (const step of pulumiSteps) expect(step.with.policyPacks).toBe('policy');
  });

  it('updates each stack one at a time, never cancelling an update half-way', () => {
    for (const [name, stack] of [
      ['deploy-dev.yml', 'dev'],
      ['deploy-prod.yml', 'prod'],
    ]) {
      expect(workflow(name).jobs.deploy.concurrency).toEqual({
        group: `pulumi-${stack}`,
        'cancel-in-progress': false,
      });
    }
    expect(workflow('pull-request.yml').jobs.preview.concurrency.group).toBe(
      'pulumi-preview-${{ matrix.stack }}-${{ github.event.pull_request.number }}',
    );
  });

  it('previews both stacks on a pull request, in the preview environments, and posts them', () => {
    const wf = workflow('pull-request.yml');
    const preview = wf.jobs.preview;
    expect(wf.on).toEqual({ pull_request: { branches: ['main'] } });
    expect(preview.needs).toBe('test');
    expect(preview.strategy.matrix.stack).toEqual(['dev', 'prod']);
    expect(preview.environment).toBe('${{ matrix.stack }}-preview');
    expect(preview.if).toContain(
      'github.event.pull_request.head.repo.full_name == github.repository',
    );
    const step = steps(preview).find(uses('pulumi/actions@'));
    expect(step?.with).toEqual(
      expect.objectContaining({
        command: 'preview',
        'stack-name': '${{ matrix.stack }}',
        'comment-on-pr': true,
      }),
    );
  });

  it('deploys dev on a merge to main, then proves it with the smoke test and the agent check', () => {
    const wf = workflow('deploy-dev.yml');
    expect(wf.on.push).toEqual({ branches: ['main'] });
    const deploy = wf.jobs.deploy;
    expect(deploy.needs).toBe('test');
    expect(deploy.environment).toBe('dev');
    const names = steps(deploy).map((s) => s.run ?? s.with?.command);
    const up = names.indexOf('up');
    expect(up).toBeGreaterThan(-1);
    expect(names.slice(up + 1)).toEqual([
      'npm run smoke -- dev',
      'npm run agent:check -- dev',
      'npm run --silent agent:test -- dev --summary "$GITHUB_STEP_SUMMARY"',
    ]);
  });

  it('deploys prod only on a release or by hand, in the prod environment, then smoke-tests it', () => {
    const wf = workflow('deploy-prod.yml');
    expect(Object.keys(wf.on).sort()).toEqual(['release', 'workflow_dispatch']);
    expect(wf.on.release).toEqual({ types: ['published'] });
    const deploy = wf.jobs.deploy;
    expect(deploy.environment).toBe('prod');
    const names = steps(deploy).map((s) => s.run ?? s.with?.command);
    expect(names.slice(names.indexOf('up') + 1)).toEqual([
      'npm run smoke -- prod',
      'npm run --silent agent:test -- prod --summary "$GITHUB_STEP_SUMMARY"',
    ]);
    expect(steps(deploy).find(uses('pulumi/actions@'))?.with['stack-name']).toBe('prod');
  });

  it('checks out without leaving the token in the repository, and caches nothing where credentials are', () => {
    for (const file of workflowFiles) {
      for (const job of Object.values(yaml(file).jobs as Record<string, Record<string, unknown>>)) {
        if (!job.steps) continue;
        for (const step of steps(job).filter(uses('actions/checkout@'))) {
          expect(step.with['persist-credentials']).toBe(false);
        }
      }
    }
    const setupNode = (yaml(actionFiles[0]).runs.steps as Record<string, any>[]).find(
      uses('actions/setup-node@'),
    );
    expect(setupNode?.with).toEqual({ 'node-version': 24, 'package-manager-cache': false });
  });

  it('keeps dependencies of the kit, the policy pack and the actions up to date', () => {
    const config = yaml(join('.github', 'dependabot.yml'));
    expect(config.version).toBe(2);
    const byEcosystem = Object.fromEntries(
      (config.updates as Record<string, unknown>[]).map((u) => [
        u['package-ecosystem'],
        u.directories,
      ]),
    );
    expect(byEcosystem).toEqual({
      npm: ['/', '/policy'],
      'github-actions': ['/', ...actionFiles.map((f) => `/${f.replace(/\/action\.yml$/, '')}`)],
    });
  });
});

describe('CODEOWNERS', () => {
  const lines = read(join('.github', 'CODEOWNERS')).split('\n');
  const rules = lines
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(/\s+/));

  it('gives every rule a path and owners in the form GitHub reads (@user, @org/team)', () => {
    expect(rules.length).toBeGreaterThan(0);
    for (const [pattern, ...owners] of rules) {
      expect({ pattern, owners }).toEqual({
        pattern: expect.stringMatching(/^\/[^!#[\]]*$/),
        owners: expect.arrayContaining([
          expect.stringMatching(/^@[A-Za-z0-9-]+(\/[A-Za-z0-9_.-]+)?$/),
        ]),
      });
    }
  });

  it('must not let a pull request change the policy pack, workflows, bootstrap or program unowned', () => {
    const owned = new Set(rules.map(([pattern]) => pattern));
    for (const path of ['/policy/', '/.github/', '/bootstrap/', '/infra/', '/Pulumi*.yaml']) {
      expect(owned).toContain(path);
    }
  });

  it('marks the placeholder owner as one to replace', () => {
    const placeholder = rules[0][1];
    expect(placeholder).toBe('@acme/cx-webhook-owners');
    expect(lines.find((l) => l.includes(`REPLACE ${placeholder}`))).toBeDefined();
  });
});
