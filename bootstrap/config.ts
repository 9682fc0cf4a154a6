import * as pulumi from '@pulumi/pulumi';
import { PROJECT_ID, PROJECT_ID_RULE, REGION, REGION_RULE } from '../infra/gcpIds';

export const BOOTSTRAP_PROJECT = 'cx-webhook-kit-bootstrap';

export const BOOTSTRAP_KEYS = [
  'project',
  'agentProject',
  'region',
  'githubRepository',
  'githubRepositoryId',
  'deployEnvironment',
  'deployWorkflow',
  'deployEvents',
  'deployRefs',
  'previewEnvironment',
  'previewWorkflow',
  'stateBucket',
  'grantableRoles',
] as const;
export type BootstrapKey = (typeof BOOTSTRAP_KEYS)[number];

export interface BootstrapConfig {
  /** The stage this stack sets up CI for (the stack name: dev, prod, …). */
  readonly stage: string;
  /** The stage's webhook project: the CI identities, the state bucket and the key live here. */
  readonly project: string;
  /** The stage's agent project (the deployer also needs roles there). */
  readonly agentProject: string;
  /** Location of the state bucket and the key ring. */
  readonly region: string;
  /** `owner/name` of the one repository whose workflows may use these identities. */
  readonly githubRepository: string;
  /** The repository's numeric ID: survives renames, and a deleted name re-created by someone else. */
  readonly githubRepositoryId?: string;
  /** The GitHub environment whose jobs deploy (`pulumi up`). */
  readonly deployEnvironment: string;
  /** The workflow file (in `.github/workflows/`) whose deploy job may act as the deployer. */
  readonly deployWorkflow: string;
  /** The events that start it: those whose `ref` is the branch or tag the workflow runs from. */
  readonly deployEvents: readonly DeployEvent[];
  /** The refs it may deploy from: exact, or a prefix ending in `*` (`refs/tags/v*`). */
  readonly deployRefs: readonly string[];
  /** The GitHub environment whose jobs preview (`pulumi preview` on pull requests). */
  readonly previewEnvironment: string;
  /** The workflow file whose pull request jobs may act as the previewer. */
  readonly previewWorkflow: string;
  /** The Cloud Storage bucket for the stage's Pulumi state. */
  readonly stateBucket: string;
  /**
   * Project roles the deployer may grant besides the build account's: the `runtimeRoles` the
   * stage's stacks give their runtime account. Any other project grant is refused to it.
   */
  readonly grantableRoles: readonly string[];
}

/**
 * Events whose token `ref` is the branch or tag the workflow file was read from (GitHub's `ref`
 * claim: the pushed ref, the release's tag, the ref a dispatch was run on), so pinning the ref pins
 * reviewed code. Pull request events are excluded: they run the pull request's own workflow.
 */
export const DEPLOY_EVENTS = ['push', 'release', 'workflow_dispatch'] as const;
export type DeployEvent = (typeof DEPLOY_EVENTS)[number];

export class BootstrapConfigError extends Error {
  constructor(key: BootstrapKey, message: string) {
    super(`${BOOTSTRAP_PROJECT}:${key} ${message}`);
    this.name = 'BootstrapConfigError';
  }
}

// These end up inside a CEL expression and IAM principal names: admit only their plain forms.
const REPOSITORY = /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/;
const REPOSITORY_ID = /^[0-9]{1,20}$/;
const ENVIRONMENT = /^[A-Za-z0-9._-]{1,255}$/;
const STAGE = /^[a-z][a-z0-9-]{0,16}$/;
const WORKFLOW_FILE = /^[A-Za-z0-9._-]+\.ya?ml$/;
/** A branch or tag ref, exact or a prefix ending in `*`; never a pull request's ref. */
const DEPLOY_REF = /^refs\/(heads|tags)\/[A-Za-z0-9._/-]*\*?$/;
/** A predefined or custom role, never a basic one (Owner, Editor, Viewer). */
const GRANTABLE_ROLE =
  /^(roles\/[A-Za-z0-9_.]+|projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/roles\/[A-Za-z0-9_.]+|organizations\/[0-9]+\/roles\/[A-Za-z0-9_.]+)$/;
const BASIC_ROLES = new Set(['roles/owner', 'roles/editor', 'roles/viewer']);
/** Cloud Storage bucket names without dots: 3–63 lowercase letters, digits, `-` and `_`. */
const BUCKET = /^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$/;

export interface BootstrapSource {
  get(key: BootstrapKey): string | undefined;
}

function matching(
  source: BootstrapSource,
  key: BootstrapKey,
  pattern: RegExp,
  what: string,
): string | undefined {
  const value = source.get(key) || undefined;
  if (value !== undefined && !pattern.test(value)) {
    throw new BootstrapConfigError(key, `must be ${what}, got "${value}"`);
  }
  return value;
}

/** A list key: a YAML list in the stack file, which the CLI passes to the program as JSON. */
function list(
  source: BootstrapSource,
  key: BootstrapKey,
  check: (item: string) => boolean,
  what: string,
): string[] | undefined {
  const raw = source.get(key);
  if (raw === undefined || raw === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = undefined;
  }
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((v) => typeof v === 'string' && check(v))
  ) {
    throw new BootstrapConfigError(key, `must be a list of ${what}, got ${raw}`);
  }
  return [...new Set(value as string[])];
}

/** The bootstrap stack's config, validated, with defaults filled in, frozen. */
export function parseBootstrapConfig(source: BootstrapSource, stage: string): BootstrapConfig {
  if (!STAGE.test(stage)) {
    // The stage names the pool (at most 32 characters) and the service accounts (at most 30).
    throw new Error(
      `${BOOTSTRAP_PROJECT}: the stack name "${stage}" must be 1–17 lowercase letters, digits or hyphens, starting with a letter`,
    );
  }
  const project = matching(source, 'project', PROJECT_ID, PROJECT_ID_RULE);
  if (!project) {
    throw new BootstrapConfigError(
      'project',
      "is required: the stage's webhook project, e.g. pulumi config set project acme-cx-dev",
    );
  }
  const githubRepository = matching(
    source,
    'githubRepository',
    REPOSITORY,
    'owner/name of a GitHub repository',
  );
  if (!githubRepository) {
    throw new BootstrapConfigError(
      'githubRepository',
      'is required: the repository whose workflows deploy, e.g. acme/cx-webhooks',
    );
  }
  const deployEnvironment =
    matching(source, 'deployEnvironment', ENVIRONMENT, 'a GitHub environment name') ?? stage;
  const previewEnvironment =
    matching(source, 'previewEnvironment', ENVIRONMENT, 'a GitHub environment name') ??
    `${stage}-preview`;
  if (previewEnvironment === deployEnvironment) {
    throw new BootstrapConfigError(
      'previewEnvironment',
      `must differ from deployEnvironment ("${deployEnvironment}"): previews must not get the deployer`,
    );
  }
  const workflowFile = 'a workflow file name in .github/workflows, such as deploy-dev.yml';
  const deployWorkflow =
    matching(source, 'deployWorkflow', WORKFLOW_FILE, workflowFile) ?? `deploy-${stage}.yml`;
  const previewWorkflow =
    matching(source, 'previewWorkflow', WORKFLOW_FILE, workflowFile) ?? 'pull-request.yml';
  const deployEvents = (list(
    source,
    'deployEvents',
    (e) => (DEPLOY_EVENTS as readonly string[]).includes(e),
    `events out of ${DEPLOY_EVENTS.join(', ')} (a pull request runs code nobody reviewed yet)`,
  ) ?? ['push', 'workflow_dispatch']) as DeployEvent[];
  const deployRefs = list(
    source,
    'deployRefs',
    (r) => DEPLOY_REF.test(r),
    'branch or tag refs such as refs/heads/main or refs/tags/v* (a trailing * matches a prefix)',
  ) ?? ['refs/heads/main'];
  const stateBucket = stateBucketName(source, project, stage);
  const grantableRoles =
    list(
      source,
      'grantableRoles',
      (r) => GRANTABLE_ROLE.test(r) && !BASIC_ROLES.has(r),
      "roles such as roles/datastore.user (the stacks' runtimeRoles; never Owner, Editor or Viewer)",
    ) ?? [];
  return Object.freeze({
    stage,
    project,
    agentProject: matching(source, 'agentProject', PROJECT_ID, PROJECT_ID_RULE) ?? project,
    region: matching(source, 'region', REGION, REGION_RULE) ?? 'us-central1',
    githubRepository,
    githubRepositoryId: matching(
      source,
      'githubRepositoryId',
      REPOSITORY_ID,
      "the repository's numeric ID (gh api repos/OWNER/NAME --jq .id)",
    ),
    deployEnvironment,
    deployWorkflow,
    deployEvents: Object.freeze(deployEvents),
    deployRefs: Object.freeze(deployRefs),
    previewEnvironment,
    previewWorkflow,
    stateBucket,
    grantableRoles: Object.freeze(grantableRoles),
  });
}

/** The state bucket's name: set, or derived from the project and stage when that fits in 63. */
function stateBucketName(source: BootstrapSource, project: string, stage: string): string {
  const set = matching(
    source,
    'stateBucket',
    BUCKET,
    'a bucket name of 3–63 lowercase letters, digits, - and _',
  );
  if (set) return set;
  const derived = `${project}-cx-webhook-kit-${stage}-state`;
  if (derived.length > 63) {
    throw new BootstrapConfigError(
      'stateBucket',
      `is required here: the default "${derived}" has ${derived.length} characters and Cloud Storage allows 63. Set a globally unique name: pulumi config set stateBucket <name>`,
    );
  }
  return derived;
}

/** Reads the stack's config through Pulumi. */
export function readBootstrapConfig(): BootstrapConfig {
  const config = new pulumi.Config(BOOTSTRAP_PROJECT);
  return parseBootstrapConfig({ get: (key) => config.get(key) }, pulumi.getStack());
}
