import * as pulumi from '@pulumi/pulumi';
import { AlertsConfigError, parseAlertsConfig, type AlertsSettings } from './alertsConfig';
import { PROJECT_ID, PROJECT_ID_RULE, REGION, REGION_RULE } from './gcpIds';
import { nearestKey } from './nearestKey';
import {
  checkCpuMemory,
  CPUS,
  memoryMiB,
  parseRuntimeRoles,
  parseServiceEnv,
  parseServiceSecrets,
  SettingError,
  type Cpu,
  type SecretEnv,
} from './serviceSettings';

export const PROJECT_NAME = 'cx-webhook-kit';
export const TARGETS = ['run', 'function'] as const;
export const AUTH_MODES = ['platform', 'id-token', 'header'] as const;
export const PROFILES = ['dev', 'prod'] as const;
export type Target = (typeof TARGETS)[number];
export type AuthMode = (typeof AUTH_MODES)[number];
export type Profile = (typeof PROFILES)[number];

/** Every key the program reads in its namespace; any other key there is refused. */
export const CONFIG_KEYS = [
  'webhookProject',
  'agentProject',
  'region',
  'agentLocation',
  'agentId',
  'createAgent',
  'existingWebhookId',
  'profile',
  'target',
  'auth',
  'webhookTimeoutSeconds',
  'minInstances',
  'maxInstances',
  'deletionProtection',
  'allowUnprotectedProd',
  'headerName',
  'headerSecret',
  'smokeFlow',
  'serviceEnv',
  'serviceSecrets',
  'runtimeRoles',
  'memory',
  'cpu',
  'concurrency',
  'alerts',
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

/** Keys whose value must be stored encrypted (`pulumi config set --secret`). */
export const SECRET_KEYS: readonly ConfigKey[] = ['headerSecret'];

export interface ServiceSettings {
  /** Extra plain environment for the handlers. */
  readonly env: Readonly<Record<string, string>>;
  /** Environment read from Secret Manager secrets in the webhook project. */
  readonly secrets: readonly SecretEnv[];
  readonly memory: string;
  readonly cpu: Cpu;
  /** Requests one instance serves at once. */
  readonly concurrency: number;
}

export interface StageConfig {
  /** The stack name: dev, prod, … */
  readonly stage: string;
  /** Which stage defaults apply. */
  readonly profile: Profile;
  readonly webhookProject: string;
  readonly agentProject: string;
  /** The agent lives in another project than the service. */
  readonly crossProject: boolean;
  readonly region: string;
  readonly agentLocation: string;
  /** An existing agent's ID, or undefined when the program creates one. */
  readonly agentId?: string;
  readonly createAgent: boolean;
  /** A webhook of the existing agent to adopt (import) instead of creating one: its ID. */
  readonly existingWebhookId?: string;
  readonly target: Target;
  readonly auth: AuthMode;
  readonly webhookTimeoutSeconds: number;
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly deletionProtection: boolean;
  readonly smokeFlow: boolean;
  readonly service: ServiceSettings;
  /** Project roles for the runtime account in the webhook project. */
  readonly runtimeRoles: readonly string[];
  /** For `auth: header`: the header name and its secret value (never plaintext). */
  readonly header?: { readonly name: string; readonly secret: pulumi.Output<string> };
  /** Alert policies, a dashboard and a log-based metric, and whom they notify. */
  readonly alerts: AlertsSettings;
}

export class StageConfigError extends Error {
  constructor(key: string, message: string) {
    super(`${PROJECT_NAME}:${key} ${message}`);
    this.name = 'StageConfigError';
  }
}

/** Production keeps a warm instance and refuses deletion; dev scales to zero. */
export function stageDefaults(profile: Profile) {
  return profile === 'prod'
    ? { minInstances: 1, maxInstances: 20, deletionProtection: true }
    : { minInstances: 0, maxInstances: 3, deletionProtection: false };
}

/** How the program reads config: plain values, secrets as secret Outputs, and the raw key list. */
export interface ConfigSource {
  /** Every key set in this program's namespace, without the namespace. */
  keys(): readonly string[];
  get(key: ConfigKey): string | undefined;
  getSecret(key: ConfigKey): pulumi.Output<string> | undefined;
  /** Whether the stack stores the value encrypted. */
  isSecret(key: ConfigKey): boolean;
}

/** Dialogflow CX's multi-region locations (cloud.google.com/dialogflow/cx/docs/concept/region). */
const MULTI_REGIONS = ['us', 'eu'];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * A key Pulumi.yaml declares with a default: the CLI (and the offline plan, infra/plan/stackConfig.ts)
 * fills it in before the program runs, so the default lives there only and a missing value means
 * the program was run some other way.
 */
function declared(key: ConfigKey, raw: string | undefined): string {
  if (raw === undefined || raw === '') {
    throw new StageConfigError(
      key,
      `is not set, though Pulumi.yaml declares its default, which the Pulumi CLI fills in: run the program with pulumi (or npm run plan), or set it with pulumi config set ${key} <value>`,
    );
  }
  return raw;
}

/** Without `fallback`, the key's default is Pulumi.yaml's (`declared`). */
function oneOf<T extends string>(
  key: ConfigKey,
  raw: string | undefined,
  allowed: readonly T[],
  fallback?: T,
): T {
  if (fallback !== undefined && (raw === undefined || raw === '')) return fallback;
  raw = declared(key, raw);
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new StageConfigError(key, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function bool(key: ConfigKey, raw: string | undefined, fallback?: boolean): boolean {
  if (fallback !== undefined && (raw === undefined || raw === '')) return fallback;
  raw = declared(key, raw);
  if (raw !== 'true' && raw !== 'false')
    throw new StageConfigError(key, `must be true or false, got "${raw}"`);
  return raw === 'true';
}

function int(
  key: ConfigKey,
  raw: string | undefined,
  fallback: number | undefined,
  min: number,
  max: number,
  why = '',
): number {
  if (fallback !== undefined && (raw === undefined || raw === '')) return fallback;
  raw = declared(key, raw);
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || n < min || n > max) {
    throw new StageConfigError(key, `must be an integer from ${min} to ${max}${why}, got "${raw}"`);
  }
  return n;
}

function projectId(key: ConfigKey, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!PROJECT_ID.test(raw)) {
    throw new StageConfigError(key, `must be ${PROJECT_ID_RULE}, got "${raw}"`);
  }
  return raw;
}

/** Runs a settings parser, naming the key in its error. */
function setting<T>(key: ConfigKey, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof SettingError) throw new StageConfigError(key, error.message);
    throw error;
  }
}

/** A misspelt key would otherwise be ignored silently, and its default used instead. */
function refuseUnknownKeys(source: ConfigSource): void {
  const known: readonly string[] = CONFIG_KEYS;
  for (const key of source.keys()) {
    if (known.includes(key)) continue;
    const guess = nearestKey(key, known);
    throw new StageConfigError(
      key,
      `is not a setting of this program${guess ? `; did you mean ${guess}?` : ` (settings: ${known.join(', ')})`} Remove it with: pulumi config rm ${key}`,
    );
  }
}

/** The stack's profile: explicit, or the stack's own name when that is dev or prod. */
function profileOf(source: ConfigSource, stage: string): Profile {
  const raw = source.get('profile');
  if (raw !== undefined && raw !== '') return oneOf('profile', raw, PROFILES, 'dev');
  if ((PROFILES as readonly string[]).includes(stage)) return stage as Profile;
  throw new StageConfigError(
    'profile',
    `is required for stack "${stage}": only stacks named dev or prod imply their profile. Set it with: pulumi config set profile prod (or dev)`,
  );
}

function serviceSettings(source: ConfigSource): ServiceSettings {
  const env = setting('serviceEnv', () =>
    parseServiceEnv(declared('serviceEnv', source.get('serviceEnv'))),
  );
  const secrets = setting('serviceSecrets', () =>
    parseServiceSecrets(declared('serviceSecrets', source.get('serviceSecrets'))),
  );
  const both = secrets.find((s) => s.env in env);
  if (both) {
    throw new StageConfigError(
      'serviceSecrets',
      `and serviceEnv both set ${both.env}: keep it in one of them`,
    );
  }
  const memory = declared('memory', source.get('memory'));
  const mib = setting('memory', () => memoryMiB(memory));
  const cpu = oneOf('cpu', source.get('cpu'), CPUS);
  const mismatch = checkCpuMemory(cpu, mib);
  if (mismatch) throw new StageConfigError('memory', `(${memory}) and cpu (${cpu}): ${mismatch}`);
  const concurrency = int('concurrency', source.get('concurrency'), undefined, 1, 1000);
  return Object.freeze({ env, secrets, memory, cpu, concurrency });
}

function alertsSettings(source: ConfigSource, profile: Profile): AlertsSettings {
  const raw = source.get('alerts');
  let value: unknown;
  if (raw !== undefined && raw !== '') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new StageConfigError(
        'alerts',
        `must be an object such as { email: oncall@example.com }`,
      );
    }
  }
  try {
    return parseAlertsConfig(value, profile);
  } catch (error) {
    if (error instanceof AlertsConfigError) {
      throw new StageConfigError(error.field ? `alerts.${error.field}` : 'alerts', error.reason);
    }
    throw error;
  }
}

/**
 * The stage config, typed and validated, with the profile's defaults filled in. Every error names
 * the key and the fix, so `pulumi up` stops before it touches anything.
 */
export function parseStageConfig(source: ConfigSource, stage: string): StageConfig {
  refuseUnknownKeys(source);
  for (const key of SECRET_KEYS) {
    if (source.get(key) !== undefined && !source.isSecret(key)) {
      throw new StageConfigError(
        key,
        `is stored in plain text: remove it and set it again with pulumi config set --secret ${key} <value>`,
      );
    }
  }
  const profile = profileOf(source, stage);

  const webhookProject = projectId('webhookProject', source.get('webhookProject'));
  if (!webhookProject) {
    throw new StageConfigError(
      'webhookProject',
      'is required: pulumi config set webhookProject <project-id>',
    );
  }
  const agentProject = projectId('agentProject', source.get('agentProject')) ?? webhookProject;

  const region = declared('region', source.get('region'));
  if (!REGION.test(region))
    throw new StageConfigError('region', `must be ${REGION_RULE}, got "${region}"`);
  const agentLocation = declared('agentLocation', source.get('agentLocation'));
  if (
    agentLocation !== 'global' &&
    !MULTI_REGIONS.includes(agentLocation) &&
    !REGION.test(agentLocation)
  ) {
    throw new StageConfigError(
      'agentLocation',
      `must be global, a multi-region (${MULTI_REGIONS.join(', ')}) or ${REGION_RULE}, got "${agentLocation}"`,
    );
  }

  const agentId = source.get('agentId') || undefined;
  const createAgent = bool('createAgent', source.get('createAgent'));
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

  const existingWebhookId = source.get('existingWebhookId') || undefined;
  if (existingWebhookId !== undefined) {
    if (existingWebhookId.includes('/')) {
      throw new StageConfigError(
        'existingWebhookId',
        'is the webhook ID (the last part of projects/…/agents/…/webhooks/<ID>), not the full name',
      );
    }
    if (!/^[A-Za-z0-9-]+$/.test(existingWebhookId)) {
      throw new StageConfigError(
        'existingWebhookId',
        `is not a webhook ID: "${existingWebhookId}"`,
      );
    }
    if (createAgent) {
      throw new StageConfigError(
        'existingWebhookId',
        'adopts a webhook of an existing agent, so it excludes createAgent: true; set agentId to the agent that has the webhook',
      );
    }
  }

  const target = oneOf('target', source.get('target'), TARGETS);
  const auth = oneOf('auth', source.get('auth'), AUTH_MODES);
  if (auth === 'id-token' && target === 'function') {
    throw new StageConfigError(
      'auth',
      'id-token needs the Cloud Run invoker check off, which Cloud Functions does not offer: use platform or header',
    );
  }

  const webhookTimeoutSeconds = int(
    'webhookTimeoutSeconds',
    source.get('webhookTimeoutSeconds'),
    undefined,
    1,
    30,
    " (Dialogflow's maximum is 30 s)",
  );
  const defaults = stageDefaults(profile);
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
  const allowUnprotectedProd = bool('allowUnprotectedProd', source.get('allowUnprotectedProd'));
  if (profile === 'prod' && !deletionProtection && !allowUnprotectedProd) {
    throw new StageConfigError(
      'deletionProtection',
      'false is refused for a prod profile: it would let pulumi destroy or a replacement delete the service, its source bucket, the header secret and the CX webhook. If that is what you mean (to tear the stage down), say so as well: pulumi config set allowUnprotectedProd true',
    );
  }

  let header: StageConfig['header'];
  if (auth === 'header') {
    const name = declared('headerName', source.get('headerName')).toLowerCase();
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
    profile,
    webhookProject,
    agentProject,
    crossProject: agentProject !== webhookProject,
    region,
    agentLocation,
    agentId,
    createAgent,
    existingWebhookId,
    target,
    auth,
    webhookTimeoutSeconds,
    minInstances,
    maxInstances,
    deletionProtection,
    smokeFlow: bool('smokeFlow', source.get('smokeFlow')),
    service: serviceSettings(source),
    runtimeRoles: setting('runtimeRoles', () =>
      parseRuntimeRoles(declared('runtimeRoles', source.get('runtimeRoles'))),
    ),
    header,
    alerts: alertsSettings(source, profile),
  });
}

/** Whether the engine passed a config key as a secret (the language host lists them). */
function isSecretConfig(fullKey: string): boolean {
  // Exported by the SDK's runtime (runtime/config.js) but not in its typings.
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  return runtime.isConfigSecret?.(fullKey) ?? true;
}

/** Reads the stack's config through Pulumi. */
export function readStageConfig(): StageConfig {
  const config = new pulumi.Config(PROJECT_NAME);
  const prefix = `${PROJECT_NAME}:`;
  return parseStageConfig(
    {
      keys: () =>
        Object.keys(pulumi.runtime.allConfig())
          .filter((k) => k.startsWith(prefix))
          .map((k) => k.slice(prefix.length)),
      get: (key) => config.get(key),
      getSecret: (key) => config.getSecret(key),
      isSecret: (key) => isSecretConfig(`${prefix}${key}`),
    },
    pulumi.getStack(),
  );
}
