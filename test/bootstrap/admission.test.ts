import { run as evaluate } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { parseBootstrapConfig, type BootstrapKey } from '../../bootstrap/config';
import { readStackConfig } from '../../infra/plan/stackConfig';
import { fixtureStack, stackNames } from '../helpers/infra';
import { BOOTSTRAP_DIR, runBootstrap, type BootstrapRun } from './run';

// Which GitHub Actions tokens the bootstrap's Workload Identity provider admits, decided by
// evaluating its real attribute condition (CEL, as Google's STS evaluates it) with Buf's CEL
// evaluator against the claims GitHub puts in a job's OIDC token (docs.github.com/en/actions/
// reference/security/oidc: `environment`, `event_name`, `ref`, `job_workflow_ref`; `ref` is the
// pushed branch, the release's tag, the ref a dispatch ran on, or refs/pull/<n>/merge for a pull
// request). Google refuses a token when the condition is false or fails to evaluate (a claim the
// token lacks), so anything but `true` is a refusal here.

process.setMaxListeners(50);

const PROVIDER = 'gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider';
/** The repository of the fixture bootstrap stacks (test/fixtures/stacks/bootstrap). */
const REPO = fixtureStack('dev', 'bootstrap').config['cx-webhook-kit-bootstrap:githubRepository'];
const ROOT = join(__dirname, '..', '..');

type Claims = Record<string, string>;

/** The claims of a job's token: a workflow file of this repository, run by an event on a ref. */
function token(workflow: string, event: string, ref: string, environment?: string): Claims {
  return {
    iss: 'https://token.actions.githubusercontent.com',
    repository: REPO,
    repository_id: '123456789',
    event_name: event,
    ref,
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    workflow_ref: `${REPO}/.github/workflows/${workflow}@${ref}`,
    // A job that is not in a reusable workflow has the same ref path here.
    job_workflow_ref: `${REPO}/.github/workflows/${workflow}@${ref}`,
    sub: environment ? `repo:${REPO}:environment:${environment}` : `repo:${REPO}:ref:${ref}`,
    ...(environment ? { environment } : {}),
  };
}

const admits = (condition: string, claims: Claims) =>
  evaluate(condition, { assertion: new Map(Object.entries(claims)) }, { funcs: strings }) === true;

const conditionOf = (run: BootstrapRun) =>
  run.resources.find((r) => r.type === PROVIDER)?.inputs.attributeCondition as string;

describe('the dev bootstrap', () => {
  let condition: string;
  beforeAll(async () => {
    condition = conditionOf(await runBootstrap('dev'));
  }, 60_000);

  it.each<[string, Claims]>([
    ['the deploy job of a push to main', token('deploy-dev.yml', 'push', 'refs/heads/main', 'dev')],
    [
      'the deploy job started by hand on main',
      token('deploy-dev.yml', 'workflow_dispatch', 'refs/heads/main', 'dev'),
    ],
    [
      'a pull request preview job',
      token('pull-request.yml', 'pull_request', 'refs/pull/42/merge', 'dev-preview'),
    ],
  ])('admits %s', (_name, claims) => {
    expect(admits(condition, claims)).toBe(true);
  });

  it.each<[string, Claims]>([
    [
      "a branch's own workflow that names environment dev",
      token('deploy-dev.yml', 'push', 'refs/heads/feature', 'dev'),
    ],
    [
      'the deploy workflow started by hand on a branch',
      token('deploy-dev.yml', 'workflow_dispatch', 'refs/heads/feature', 'dev'),
    ],
    [
      'a pull request job that names environment dev',
      token('pull-request.yml', 'pull_request', 'refs/pull/42/merge', 'dev'),
    ],
    [
      'another workflow on main that names environment dev',
      token('test.yml', 'push', 'refs/heads/main', 'dev'),
    ],
    [
      'a pull_request_target job, which runs on main',
      token('deploy-dev.yml', 'pull_request_target', 'refs/heads/main', 'dev'),
    ],
    [
      'a preview environment job outside a pull request',
      token('pull-request.yml', 'push', 'refs/heads/feature', 'dev-preview'),
    ],
    ['a job with no environment', token('deploy-dev.yml', 'push', 'refs/heads/main')],
    ['a job of a tag push', token('deploy-dev.yml', 'push', 'refs/tags/v1.0.0', 'dev')],
    [
      'the same job in another repository',
      {
        ...token('deploy-dev.yml', 'push', 'refs/heads/main', 'dev'),
        repository: 'mallory/cx-webhooks',
        job_workflow_ref: 'mallory/cx-webhooks/.github/workflows/deploy-dev.yml@refs/heads/main',
      },
    ],
    [
      'a job that calls the deploy workflow of another repository',
      {
        ...token('deploy-dev.yml', 'push', 'refs/heads/main', 'dev'),
        job_workflow_ref: 'mallory/tools/.github/workflows/deploy-dev.yml@refs/heads/main',
      },
    ],
  ])('must not admit %s', (_name, claims) => {
    expect(admits(condition, claims)).toBe(false);
  });
});

describe('the prod bootstrap', () => {
  let condition: string;
  beforeAll(async () => {
    condition = conditionOf(await runBootstrap('prod'));
  }, 60_000);

  it.each<[string, Claims]>([
    ['a published release', token('deploy-prod.yml', 'release', 'refs/tags/v1.2.0', 'prod')],
    [
      'a run started by hand on main',
      token('deploy-prod.yml', 'workflow_dispatch', 'refs/heads/main', 'prod'),
    ],
    [
      'a run started by hand on a release tag',
      token('deploy-prod.yml', 'workflow_dispatch', 'refs/tags/v1.2.0', 'prod'),
    ],
    [
      'a pull request preview job',
      token('pull-request.yml', 'pull_request', 'refs/pull/7/merge', 'prod-preview'),
    ],
  ])('admits %s', (_name, claims) => {
    expect(admits(condition, claims)).toBe(true);
  });

  it.each<[string, Claims]>([
    [
      'a run started by hand on a branch',
      token('deploy-prod.yml', 'workflow_dispatch', 'refs/heads/hotfix', 'prod'),
    ],
    [
      'a release of a tag outside v*',
      token('deploy-prod.yml', 'release', 'refs/tags/nightly', 'prod'),
    ],
    ['a push to main naming prod', token('deploy-prod.yml', 'push', 'refs/heads/main', 'prod')],
    ["dev's deploy job naming prod", token('deploy-dev.yml', 'push', 'refs/heads/main', 'prod')],
    [
      'a pull request job naming prod',
      token('pull-request.yml', 'pull_request', 'refs/pull/7/merge', 'prod'),
    ],
  ])('must not admit %s', (_name, claims) => {
    expect(admits(condition, claims)).toBe(false);
  });

  it('with a pinned repository ID, must not admit a token of another repository of that name', async () => {
    const pinned = conditionOf(await runBootstrap('prod', { githubRepositoryId: '123456789' }));
    const claims = token('deploy-prod.yml', 'release', 'refs/tags/v1.2.0', 'prod');
    expect(admits(pinned, claims)).toBe(true);
    expect(admits(pinned, { ...claims, repository_id: '987654321' })).toBe(false);
  }, 60_000);
});

describe('what each committed bootstrap stack admits matches what the workflows run', () => {
  type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const workflow = (file: string) =>
    load(readFileSync(join(ROOT, '.github', 'workflows', file), 'utf8')) as Yaml;
  /** The job of a workflow that runs Pulumi. */
  const pulumiJob = (wf: Yaml): Yaml =>
    Object.values(wf.jobs as Record<string, Yaml>).find((job) =>
      ((job.steps ?? []) as Yaml[]).some((s) => String(s.uses ?? '').startsWith('pulumi/actions@')),
    ) as Yaml;

  it.each(stackNames(BOOTSTRAP_DIR))('%s: deploy events, refs and environment', (stack) => {
    const { config } = readStackConfig(stack, BOOTSTRAP_DIR);
    const prefix = 'cx-webhook-kit-bootstrap:';
    const boot = parseBootstrapConfig(
      { get: (key: BootstrapKey) => config[`${prefix}${key}`] },
      stack,
    );
    const wf = workflow(boot.deployWorkflow);
    expect(Object.keys(wf.on as object).sort()).toEqual([...boot.deployEvents].sort());
    expect(pulumiJob(wf).environment).toBe(boot.deployEnvironment);
    // Every branch a push deploys from is an admitted ref.
    for (const branch of (wf.on as Yaml).push?.branches ?? []) {
      expect(boot.deployRefs).toContain(`refs/heads/${branch as string}`);
    }

    const preview = workflow(boot.previewWorkflow);
    expect(Object.keys(preview.on as object)).toEqual(['pull_request']);
    const job = pulumiJob(preview);
    expect(job.strategy.matrix.stack).toContain(stack);
    expect(String(job.environment).replace('${{ matrix.stack }}', stack)).toBe(
      boot.previewEnvironment,
    );
  });
});
