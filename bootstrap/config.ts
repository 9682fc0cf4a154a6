import {
  BASIC_ROLES,
  PROJECT_ID,
  PROJECT_ID_RULE,
  REGION,
  REGION_RULE,
  ROLE,
} from '../infra/gcpIds';

const NAMESPACE = 'cx-webhook-kit-bootstrap';

/**
 * Events whose token `ref` is the branch or tag the workflow file was read from (GitHub's `ref`
 * claim: the pushed ref, the release's tag, the ref a dispatch was run on), so pinning the ref pins
 * reviewed code. Pull request events are excluded: they run the pull request's own workflow.
 */
const DEPLOY_EVENTS = ['push', 'release', 'workflow_dispatch'] as const;
export type DeployEvent = (typeof DEPLOY_EVENTS)[number];
/** A branch or tag ref, exact or a prefix ending in `*`; never a pull request's ref. */
const DEPLOY_REF = /^refs\/(heads|tags)\/[A-Za-z0-9._/-]*\*?$/;
/** The stage names the pool (at most 32 characters) and the service accounts (at most 30). */
const STAGE = /^[a-z][a-z0-9-]{0,16}$/;

// Each key's rule, as its error states it. Values end up inside a CEL expression and IAM principal
// names: admit only their plain forms.
const ENVIRONMENT = [/^[A-Za-z0-9._-]{1,255}$/, 'a GitHub environment name'] as const;
const WORKFLOW = [
  /^[A-Za-z0-9._-]+\.ya?ml$/,
  'a workflow file name in .github/workflows, such as deploy-dev.yml',
] as const;
const REPOSITORY = /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/;
const REPOSITORY_ID_RULE = "the repository's numeric ID (gh api repos/OWNER/NAME --jq .id)";
/** Cloud Storage bucket names without dots. */
const BUCKET = /^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$/;
const TEXT_KEYS = {
  project: [PROJECT_ID, PROJECT_ID_RULE],
  agentProject: [PROJECT_ID, PROJECT_ID_RULE],
  region: [REGION, REGION_RULE],
  githubRepository: [REPOSITORY, 'owner/name of a GitHub repository'],
  githubRepositoryId: [/^[0-9]{1,20}$/, REPOSITORY_ID_RULE],
  deployEnvironment: ENVIRONMENT,
  previewEnvironment: ENVIRONMENT,
  deployWorkflow: WORKFLOW,
  previewWorkflow: WORKFLOW,
  stateBucket: [BUCKET, 'a bucket name of 3–63 lowercase letters, digits, - and _'],
} satisfies Record<string, readonly [RegExp, string]>;
// A YAML list in the stack file, which the CLI passes to the program as JSON.
const LIST_KEYS = {
  deployEvents: [
    (e: string) => (DEPLOY_EVENTS as readonly string[]).includes(e),
    `events out of ${DEPLOY_EVENTS.join(', ')} (a pull request runs code nobody reviewed yet)`,
  ],
  deployRefs: [
    (r: string) => DEPLOY_REF.test(r),
    'branch or tag refs such as refs/heads/main or refs/tags/v* (a trailing * matches a prefix)',
  ],
  grantableRoles: [
    (r: string) => ROLE.test(r) && !BASIC_ROLES.includes(r),
    "roles such as roles/datastore.user (the stacks' runtimeRoles; never Owner, Editor or Viewer)",
  ],
} satisfies Record<string, readonly [(item: string) => boolean, string]>;

export type BootstrapKey = keyof typeof TEXT_KEYS | keyof typeof LIST_KEYS;

function fail(key: BootstrapKey, message: string): never {
  throw new Error(`${NAMESPACE}:${key} ${message}`);
}

/**
 * The bootstrap stack's config, validated, with defaults filled in, frozen; `stage` is the stack
 * name. docs/ci.md (One-time bootstrap) gives each key's default and meaning.
 */
export function parseBootstrapConfig(
  source: { get(key: BootstrapKey): string | undefined },
  stage: string,
) {
  if (!STAGE.test(stage)) {
    throw new Error(
      `${NAMESPACE}: the stack name "${stage}" must be 1–17 lowercase letters, digits or hyphens, starting with a letter`,
    );
  }
  const text = (key: keyof typeof TEXT_KEYS) => {
    const value = source.get(key) || undefined;
    const [pattern, rule] = TEXT_KEYS[key];
    if (value !== undefined && !pattern.test(value)) fail(key, `must be ${rule}, got "${value}"`);
    return value;
  };
  const list = (key: keyof typeof LIST_KEYS, fallback: string[]): readonly string[] => {
    const raw = source.get(key);
    if (!raw) return Object.freeze(fallback);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = undefined;
    }
    const [check, what] = LIST_KEYS[key];
    if (
      !Array.isArray(value) ||
      value.length === 0 ||
      !value.every((v) => typeof v === 'string' && check(v))
    ) {
      fail(key, `must be a list of ${what}, got ${raw}`);
    }
    return Object.freeze([...new Set(value as string[])]);
  };

  const project =
    text('project') ??
    fail(
      'project',
      "is required: the stage's webhook project, e.g. pulumi config set project acme-cx-dev",
    );
  const githubRepository =
    text('githubRepository') ??
    fail(
      'githubRepository',
      'is required: the repository whose workflows deploy, e.g. acme/cx-webhooks',
    );
  const deployEnvironment = text('deployEnvironment') ?? stage;
  const previewEnvironment = text('previewEnvironment') ?? `${stage}-preview`;
  if (previewEnvironment === deployEnvironment) {
    fail(
      'previewEnvironment',
      `must differ from deployEnvironment ("${deployEnvironment}"): previews must not get the deployer`,
    );
  }
  const stateBucket = text('stateBucket') ?? `${project}-cx-webhook-kit-${stage}-state`;
  if (stateBucket.length > 63) {
    // Only the default can be: a name that is set has at most 63 characters.
    fail(
      'stateBucket',
      `is required here: the default "${stateBucket}" has ${stateBucket.length} characters and Cloud Storage allows 63. Set a globally unique name: pulumi config set stateBucket <name>`,
    );
  }
  return Object.freeze({
    stage,
    project,
    agentProject: text('agentProject') ?? project,
    region: text('region') ?? 'us-central1',
    githubRepository,
    githubRepositoryId: text('githubRepositoryId'),
    deployEnvironment,
    deployWorkflow: text('deployWorkflow') ?? `deploy-${stage}.yml`,
    deployEvents: list('deployEvents', ['push', 'workflow_dispatch']) as readonly DeployEvent[],
    deployRefs: list('deployRefs', ['refs/heads/main']),
    previewEnvironment,
    previewWorkflow: text('previewWorkflow') ?? 'pull-request.yml',
    stateBucket,
    grantableRoles: list('grantableRoles', []),
  });
}

export type BootstrapConfig = ReturnType<typeof parseBootstrapConfig>;
