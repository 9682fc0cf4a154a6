import * as pulumi from '@pulumi/pulumi';

export const PROJECT_NAME = 'cx-webhook-kit';
export const TARGETS = ['run', 'function'] as const;
export const AUTH_MODES = ['platform', 'id-token', 'header'] as const;
export type Target = (typeof TARGETS)[number];
export type AuthMode = (typeof AUTH_MODES)[number];

/** Every key the program reads, as declared in Pulumi.yaml. */
export const CONFIG_KEYS = [
  'webhookProject',
  'agentProject',
  'region',
  'agentLocation',
  'agentId',
  'createAgent',
  'target',
  'auth',
  'webhookTimeoutSeconds',
  'minInstances',
  'maxInstances',
  'deletionProtection',
  'headerName',
  'headerSecret',
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

export interface StageConfig {
  /** The stack name: dev, prod, … */
  readonly stage: string;
  readonly webhookProject: string;
  readonly agentProject: string;
  /** The agent lives in another project than the service. */
  readonly crossProject: boolean;
  readonly region: string;
  readonly agentLocation: string;
  /** An existing agent's ID, or undefined when the program creates one. */
  readonly agentId?: string;
  readonly createAgent: boolean;
  readonly target: Target;
  readonly auth: AuthMode;
  readonly webhookTimeoutSeconds: number;
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly deletionProtection: boolean;
  /** For `auth: header`: the header name and its secret value (never plaintext). */
  readonly header?: { readonly name: string; readonly secret: pulumi.Output<string> };
}

export class StageConfigError extends Error {
  constructor(key: ConfigKey, message: string) {
    super(`${PROJECT_NAME}:${key} ${message}`);
    this.name = 'StageConfigError';
  }
}

/** Production keeps a warm instance and refuses deletion; other stages scale to zero. */
export function stageDefaults(stage: string) {
  return stage === 'prod'
    ? { minInstances: 1, maxInstances: 20, deletionProtection: true }
    : { minInstances: 0, maxInstances: 3, deletionProtection: false };
}

/** How the program reads config: plain values, and secrets as secret Outputs. */
export interface ConfigSource {
  get(key: ConfigKey): string | undefined;
  getSecret(key: ConfigKey): pulumi.Output<string> | undefined;
}

const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const REGION = /^[a-z]+-[a-z]+[0-9]+$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function oneOf<T extends string>(
  key: ConfigKey,
  raw: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new StageConfigError(key, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function bool(key: ConfigKey, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false')
    throw new StageConfigError(key, `must be true or false, got "${raw}"`);
  return raw === 'true';
}

function int(
  key: ConfigKey,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
  why = '',
): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || n < min || n > max) {
    throw new StageConfigError(key, `must be an integer from ${min} to ${max}${why}, got "${raw}"`);
  }
  return n;
}

function projectId(key: ConfigKey, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!PROJECT_ID.test(raw)) {
    throw new StageConfigError(
      key,
      `must be a Google Cloud project ID (6–30 lowercase letters, digits, hyphens), got "${raw}"`,
    );
  }
  return raw;
}

/**
 * The stage config, typed and validated, with stage defaults filled in. Every error names the key
 * and the fix, so `pulumi up` stops before it touches anything.
 */
export function parseStageConfig(source: ConfigSource, stage: string): StageConfig {
  const webhookProject = projectId('webhookProject', source.get('webhookProject'));
  if (!webhookProject) {
    throw new StageConfigError(
      'webhookProject',
      'is required: pulumi config set webhookProject <project-id>',
    );
  }
  const agentProject = projectId('agentProject', source.get('agentProject')) ?? webhookProject;

  const region = source.get('region') || 'us-central1';
  if (!REGION.test(region))
    throw new StageConfigError('region', `must be a region such as us-central1, got "${region}"`);
  const agentLocation = source.get('agentLocation') || 'global';
  if (agentLocation !== 'global' && !REGION.test(agentLocation)) {
    throw new StageConfigError(
      'agentLocation',
      `must be global or a region such as us-central1, got "${agentLocation}"`,
    );
  }

  const agentId = source.get('agentId') || undefined;
  const createAgent = bool('createAgent', source.get('createAgent'), false);
  if (agentId !== undefined) {
    if (agentId.includes('/')) {
      throw new StageConfigError(
        'agentId',
        'is the agent ID (the last part of projects/…/agents/<ID>), not the full name',
      );
    }
    if (!/^[A-Za-z0-9-]+$/.test(agentId))
      throw new StageConfigError('agentId', `is not an agent ID: "${agentId}"`);
    if (createAgent) {
      throw new StageConfigError(
        'agentId',
        'and createAgent: true exclude each other: unset one of them',
      );
    }
  } else if (!createAgent) {
    throw new StageConfigError(
      'agentId',
      "is required unless createAgent is true: set it to your agent's ID",
    );
  }

  const target = oneOf('target', source.get('target'), TARGETS, 'run');
  const auth = oneOf('auth', source.get('auth'), AUTH_MODES, 'platform');
  if (auth === 'id-token' && target === 'function') {
    throw new StageConfigError(
      'auth',
      'id-token needs the Cloud Run invoker check off, which Cloud Functions does not offer: use platform or header',
    );
  }

  const webhookTimeoutSeconds = int(
    'webhookTimeoutSeconds',
    source.get('webhookTimeoutSeconds'),
    5,
    1,
    30,
    " (Dialogflow's maximum is 30 s)",
  );
  const defaults = stageDefaults(stage);
  const minInstances = int(
    'minInstances',
    source.get('minInstances'),
    defaults.minInstances,
    0,
    1000,
  );
  const maxInstances = int(
    'maxInstances',
    source.get('maxInstances'),
    Math.max(defaults.maxInstances, minInstances),
    1,
    1000,
  );
  if (minInstances > maxInstances) {
    throw new StageConfigError(
      'minInstances',
      `(${minInstances}) must not exceed maxInstances (${maxInstances})`,
    );
  }
  const deletionProtection = bool(
    'deletionProtection',
    source.get('deletionProtection'),
    defaults.deletionProtection,
  );

  let header: StageConfig['header'];
  if (auth === 'header') {
    const name = (source.get('headerName') || 'x-webhook-secret').toLowerCase();
    if (!HEADER_NAME.test(name))
      throw new StageConfigError('headerName', `must be an HTTP header name, got "${name}"`);
    if (name === 'authorization') {
      throw new StageConfigError(
        'headerName',
        "can't be Authorization: Dialogflow's ID token travels there; use e.g. x-webhook-secret",
      );
    }
    const secret = source.getSecret('headerSecret');
    if (!secret) {
      throw new StageConfigError(
        'headerSecret',
        'is required for auth: header: pulumi config set --secret headerSecret <value>',
      );
    }
    header = Object.freeze({ name, secret });
  }

  return Object.freeze({
    stage,
    webhookProject,
    agentProject,
    crossProject: agentProject !== webhookProject,
    region,
    agentLocation,
    agentId,
    createAgent,
    target,
    auth,
    webhookTimeoutSeconds,
    minInstances,
    maxInstances,
    deletionProtection,
    header,
  });
}

/** Reads the stack's config through Pulumi. */
export function readStageConfig(): StageConfig {
  const config = new pulumi.Config(PROJECT_NAME);
  return parseStageConfig(
    {
      get: (key) => config.get(key),
      getSecret: (key) => config.getSecret(key),
    },
    pulumi.getStack(),
  );
}
