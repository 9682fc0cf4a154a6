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
  'previewEnvironment',
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
  /** The GitHub environment whose jobs preview (`pulumi preview` on pull requests). */
  readonly previewEnvironment: string;
}

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
    previewEnvironment,
  });
}

/** Reads the stack's config through Pulumi. */
export function readBootstrapConfig(): BootstrapConfig {
  const config = new pulumi.Config(BOOTSTRAP_PROJECT);
  return parseBootstrapConfig({ get: (key) => config.get(key) }, pulumi.getStack());
}
