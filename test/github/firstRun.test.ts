// The workflows and stack files are read as untyped YAML, whatever a team has put there.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { runBootstrap } from '../bootstrap/run';

// What the first CI run needs from what the bootstrap produced, checked for whatever workflows,
// stacks and bootstrap stacks exist (a team adds and renames them).
//
// Sources:
// - pulumi/actions v7.0.0 src/main.ts: `upsert: true` runs LocalWorkspace.createOrSelectStack with
//   the `secrets-provider` input, so a missing stack is created (`pulumi stack init
//   --secrets-provider …`, @pulumi/pulumi automation/localWorkspace.js createStack); without it the
//   action only selects, and a missing stack fails. Its `github-token` input is used for comments,
//   never handed to the CLI.
// - pulumi/pulumi v3.248.0 pkg/cmd/pulumi/stack/secrets.go (SecretsManagerLoader): a stack file
//   without `secretsprovider` (nor `encryptionsalt`) falls back to the secrets manager in the
//   stack's state only when PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER is set; otherwise the
//   backend's default, a passphrase for a gs:// backend, which CI does not have.
// - pulumi/pulumi v3.248.0 sdk/go/common/workspace/plugins.go (githubSource): plugin downloads from
//   GitHub releases (`@pulumiverse/time`) are authenticated with GITHUB_TOKEN from the environment
//   only; unauthenticated ones share GitHub's per-IP rate limit.

const ROOT = join(__dirname, '..', '..');
type Yaml = Record<string, any>;
const yaml = (path: string) => load(readFileSync(path, 'utf8')) as Yaml;

interface PulumiStep {
  file: string;
  job: string;
  step: Yaml;
  /** The job's environment, with the matrix value substituted. */
  environment: string;
  stack: string;
  env: Record<string, unknown>;
}

/** Every step of every workflow that runs a Pulumi command, once per matrix value. */
function pulumiSteps(): PulumiStep[] {
  const dir = join(ROOT, '.github', 'workflows');
  const found: PulumiStep[] = [];
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
    for (const [id, job] of Object.entries((yaml(join(dir, file)).jobs ?? {}) as Yaml)) {
      const matrix = (job.strategy?.matrix ?? {}) as Record<string, unknown[]>;
      const [key, values] = Object.entries(matrix)[0] ?? ['', ['']];
      for (const value of values) {
        const expand = (text: string | undefined) =>
          (text ?? '').replace(new RegExp(`\\$\\{\\{ matrix\\.${key} \\}\\}`, 'g'), String(value));
        for (const step of (job.steps ?? []) as Yaml[]) {
          if (!String(step.uses ?? '').startsWith('pulumi/actions@') || !step.with?.command) {
            continue;
          }
          found.push({
            file,
            job: id,
            step,
            environment: expand(job.environment),
            stack: expand(step.with['stack-name']),
            env: { ...job.env, ...step.env },
          });
        }
      }
    }
  }
  return found;
}

/** The committed stack files: `Pulumi.<stack>.yaml` beside Pulumi.yaml. */
const stackFiles = () =>
  readdirSync(ROOT)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ stack: m[1], file: m[0], content: yaml(join(ROOT, m[0])) ?? {} }));

const hasSecureValue = (value: unknown): boolean =>
  Array.isArray(value)
    ? value.some(hasSecureValue)
    : typeof value === 'object' && value !== null
      ? 'secure' in value || Object.values(value).some(hasSecureValue)
      : false;

/** Whether the stack file carries the lines that name its KMS key and data key. */
const carriesKmsProvider = (content: Yaml) =>
  typeof content.secretsprovider === 'string' &&
  content.secretsprovider.startsWith('gcpkms://') &&
  typeof content.encryptedkey === 'string' &&
  content.encryptedkey !== '';

const steps = pulumiSteps();
const committed = new Map(stackFiles().map((s) => [s.stack, s.content]));

describe("the first CI run, from the bootstrap's outputs alone", () => {
  it('finds Pulumi steps to check', () => {
    expect(steps.map((s) => String(s.step.with.command))).toEqual(expect.arrayContaining(['up']));
  });

  it('sets GITHUB_TOKEN on every step that runs the Pulumi CLI, so plugin downloads are authenticated', () => {
    for (const s of steps) {
      expect({ where: `${s.file} ${s.job}`, token: s.step.env?.GITHUB_TOKEN }).toEqual({
        where: `${s.file} ${s.job}`,
        token: expect.stringMatching(/^\$\{\{ (github\.token|secrets\.GITHUB_TOKEN) \}\}$/),
      });
    }
  });

  it('creates a missing stack on deploy with a KMS secrets provider, or deploys one whose file names it', () => {
    for (const s of steps.filter((x) => x.step.with.command === 'up')) {
      const where = `${s.file} ${s.job} (stack ${s.stack})`;
      const created =
        s.step.with.upsert === true &&
        /^\$\{\{ vars\.[A-Z_]+ \}\}$|^gcpkms:\/\//.test(String(s.step.with['secrets-provider']));
      const file = committed.get(s.stack);
      expect({ where, ready: created || (file !== undefined && carriesKmsProvider(file)) }).toEqual(
        {
          where,
          ready: true,
        },
      );
    }
  });

  it('decrypts with the key in the state when a stack file does not name one', () => {
    for (const s of steps) {
      const file = committed.get(s.stack);
      if (file !== undefined && carriesKmsProvider(file)) continue;
      expect({
        where: `${s.file} ${s.job}`,
        fallback: s.env.PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER,
      }).toEqual({
        where: `${s.file} ${s.job}`,
        fallback: 'true',
      });
    }
  });

  it('uses only variables the bootstrap sets on the GitHub environment the job runs in', async () => {
    const bootstrapStacks = readdirSync(join(ROOT, 'bootstrap'))
      .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined);
    const environments = new Map<string, string[]>();
    for (const stack of bootstrapStacks) {
      const { outputs } = await runBootstrap(stack);
      for (const [environment, vars] of Object.entries(outputs.githubEnvironments as Yaml)) {
        environments.set(environment, Object.keys(vars as Yaml));
      }
    }
    for (const s of steps) {
      const used = new Set(
        [...JSON.stringify({ with: s.step.with, env: s.env }).matchAll(/vars\.([A-Z_]+)/g)].map(
          (m) => m[1],
        ),
      );
      const provided = environments.get(s.environment);
      if (provided === undefined) continue; // a stage the bootstrap does not set up here
      for (const name of used) {
        expect({ environment: s.environment, name, provided: provided.includes(name) }).toEqual({
          environment: s.environment,
          name,
          provided: true,
        });
      }
    }
    expect(environments.size).toBeGreaterThan(0);
  }, 120_000);
});

describe('committed stack files', () => {
  it('never hold a secret that CI could not decrypt: a secure value comes with its KMS key lines', () => {
    for (const { file, content } of stackFiles()) {
      if (!hasSecureValue(content.config) && content.secretsprovider === undefined) continue;
      expect({ file, kms: carriesKmsProvider(content) }).toEqual({ file, kms: true });
    }
  });

  it('refuses what the rule must refuse', () => {
    expect(hasSecureValue({ 'cx-webhook-kit:headerSecret': { secure: 'v1:x' } })).toBe(true);
    expect(hasSecureValue({ 'cx-webhook-kit:region': 'us-central1' })).toBe(false);
    expect(carriesKmsProvider({ secretsprovider: 'passphrase' })).toBe(false);
    expect(
      carriesKmsProvider({
        secretsprovider: 'gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k',
      }),
    ).toBe(false);
    expect(
      carriesKmsProvider({
        secretsprovider: 'gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k',
        encryptedkey: 'CiQA',
      }),
    ).toBe(true);
    expect(existsSync(join(ROOT, 'Pulumi.yaml'))).toBe(true);
  });
});
