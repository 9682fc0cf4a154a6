import * as pulumi from '@pulumi/pulumi';
import { parseAlertsConfig } from './alertsConfig';
import { StageConfigError } from './configError';
import { PROJECT_ID, PROJECT_ID_RULE, REGION, REGION_RULE } from './gcpIds';
import { nearestKey } from './nearestKey';
import {
  checkCpuMemory,
  CPUS,
  parseRuntimeRoles,
  parseServiceEnv,
  parseServiceSecrets,
} from './serviceSettings';

export { StageConfigError };

const PROJECT_NAME = 'cx-webhook-kit';
const TARGETS = ['run', 'function'] as const;
const AUTH_MODES = ['platform', 'id-token', 'header'] as const;
export const PROFILES = ['dev', 'prod'] as const;
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

/** The stage config, typed and validated, with the profile's defaults filled in. */
export type StageConfig = ReturnType<typeof parseStageConfig>;

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
const MAX_TIMEOUT = " (Dialogflow's maximum is 30 s)";

function fail(key: string, message: string): never {
  throw new StageConfigError(key, message);
}

/** Every error names the key and the fix, so `pulumi up` stops before it touches anything. */
export function parseStageConfig(source: ConfigSource, stage: string) {
  // A misspelt key would otherwise be ignored silently, and its default used instead.
  const known: readonly string[] = CONFIG_KEYS;
  for (const key of source.keys().filter((k) => !known.includes(k))) {
    const guess = nearestKey(key, known);
    fail(
      key,
      `is not a setting of this program${guess ? `; did you mean ${guess}?` : ` (settings: ${known.join(', ')})`} Remove it with: pulumi config rm ${key}`,
    );
  }
  for (const key of SECRET_KEYS) {
    if (source.get(key) !== undefined && !source.isSecret(key)) {
      fail(
        key,
        `is stored in plain text: remove it and set it again with pulumi config set --secret ${key} <value>`,
      );
    }
  }

  const given = (key: ConfigKey) => source.get(key) || undefined;
  // A key Pulumi.yaml declares with a default: the CLI (and the offline plan) fills it in before
  // the program runs, so the default lives there only and a missing value means the program was
  // run some other way.
  const declared = (key: ConfigKey) =>
    given(key) ??
    fail(
      key,
      `is not set, though Pulumi.yaml declares its default, which the Pulumi CLI fills in: run the program with pulumi (or npm run plan), or set it with pulumi config set ${key} <value>`,
    );
  // Without a fallback, the key's default is Pulumi.yaml's.
  const value = (key: ConfigKey, fallback?: number | boolean) =>
    fallback === undefined ? declared(key) : (given(key) ?? String(fallback));
  /** `raw` if it keeps the rule, else the error that states the rule. */
  const check = (key: ConfigKey, raw: string, ok: boolean, rule: string) =>
    ok ? raw : fail(key, `must be ${rule}, got "${raw}"`);
  const oneOf = <T extends string>(key: ConfigKey, allowed: readonly T[], raw = declared(key)) =>
    check(key, raw, allowed.includes(raw as T), `one of ${allowed.join(', ')}`) as T;
  const bool = (key: ConfigKey, fallback?: boolean) => {
    const raw = value(key, fallback);
    return check(key, raw, raw === 'true' || raw === 'false', 'true or false') === 'true';
  };
  const int = (key: ConfigKey, min: number, max: number, fallback?: number, why = '') => {
    const raw = value(key, fallback);
    const ok = /^-?\d+$/.test(raw) && Number(raw) >= min && Number(raw) <= max;
    return Number(check(key, raw, ok, `an integer from ${min} to ${max}${why}`));
  };
  const projectId = (key: ConfigKey) => {
    const raw = given(key);
    return raw && check(key, raw, PROJECT_ID.test(raw), PROJECT_ID_RULE);
  };
  // `what` is "an agent" or "a webhook": people paste the full resource name where its ID belongs.
  const resourceId = (key: ConfigKey, what: string, fullName: string) => {
    const id = given(key);
    const noun = what.replace(/^an? /, '');
    if (id?.includes('/'))
      fail(key, `is the ${noun} ID (the last part of ${fullName}), not the full name`);
    if (id !== undefined && !/^[A-Za-z0-9-]+$/.test(id)) fail(key, `is not ${what} ID: "${id}"`);
    return id;
  };

  // The profile is explicit, or the stack's own name when that is dev or prod.
  const named = given('profile');
  if (named === undefined && !(PROFILES as readonly string[]).includes(stage)) {
    fail(
      'profile',
      `is required for stack "${stage}": only stacks named dev or prod imply their profile. Set it with: pulumi config set profile prod (or dev)`,
    );
  }
  const profile = oneOf('profile', PROFILES, named ?? stage);
  const prod = profile === 'prod';

  const webhookProject =
    projectId('webhookProject') ??
    fail('webhookProject', 'is required: pulumi config set webhookProject <project-id>');
  const agentProject = projectId('agentProject') ?? webhookProject;

  const region = declared('region');
  check('region', region, REGION.test(region), REGION_RULE);
  const agentLocation = declared('agentLocation');
  check(
    'agentLocation',
    agentLocation,
    ['global', ...MULTI_REGIONS].includes(agentLocation) || REGION.test(agentLocation),
    `global, a multi-region (${MULTI_REGIONS.join(', ')}) or ${REGION_RULE}`,
  );

  const agentId = resourceId('agentId', 'an agent', 'projects/…/agents/<ID>');
  const createAgent = bool('createAgent');
  if (agentId !== undefined && createAgent) {
    fail('agentId', 'and createAgent: true exclude each other: unset one of them');
  }
  if (agentId === undefined && !createAgent) {
    fail('agentId', "is required unless createAgent is true: set it to your agent's ID");
  }
  const existingWebhookId = resourceId(
    'existingWebhookId',
    'a webhook',
    'projects/…/agents/…/webhooks/<ID>',
  );
  if (existingWebhookId !== undefined && createAgent) {
    fail(
      'existingWebhookId',
      'adopts a webhook of an existing agent, so it excludes createAgent: true; set agentId to the agent that has the webhook',
    );
  }

  const target = oneOf('target', TARGETS);
  const auth = oneOf('auth', AUTH_MODES);
  if (auth === 'id-token' && target === 'function') {
    fail(
      'auth',
      'id-token needs the Cloud Run invoker check off, which Cloud Functions does not offer: use platform or header',
    );
  }

  const webhookTimeoutSeconds = int('webhookTimeoutSeconds', 1, 30, undefined, MAX_TIMEOUT);
  // Production keeps a warm instance and refuses deletion; dev scales to zero.
  const minInstances = int('minInstances', 0, 1000, prod ? 1 : 0);
  const maxInstances = int('maxInstances', 1, 1000, Math.max(prod ? 20 : 3, minInstances));
  if (minInstances > maxInstances) {
    fail('minInstances', `(${minInstances}) must not exceed maxInstances (${maxInstances})`);
  }
  const deletionProtection = bool('deletionProtection', prod);
  const allowUnprotectedProd = bool('allowUnprotectedProd');
  if (prod && !deletionProtection && !allowUnprotectedProd) {
    fail(
      'deletionProtection',
      'false is refused for a prod profile: it would let pulumi destroy or a replacement delete the service, its source bucket, the header secret and the CX webhook. If that is what you mean (to tear the stage down), say so as well: pulumi config set allowUnprotectedProd true',
    );
  }

  /** For `auth: header`: the header name and its secret value (never plaintext). */
  let header: { readonly name: string; readonly secret: pulumi.Output<string> } | undefined;
  if (auth === 'header') {
    const name = declared('headerName').toLowerCase();
    check('headerName', name, HEADER_NAME.test(name), 'an HTTP header name');
    if (name === 'authorization') {
      fail(
        'headerName',
        "can't be Authorization: Dialogflow's ID token travels there; use e.g. x-webhook-secret",
      );
    }
    const secret =
      source.getSecret('headerSecret') ??
      fail(
        'headerSecret',
        'is required for auth: header: pulumi config set --secret headerSecret <value>',
      );
    header = Object.freeze({ name, secret });
  }

  const smokeFlow = bool('smokeFlow');
  const env = parseServiceEnv(declared('serviceEnv'));
  const secrets = parseServiceSecrets(declared('serviceSecrets'));
  const both = secrets.find((s) => s.env in env);
  if (both) fail('serviceSecrets', `and serviceEnv both set ${both.env}: keep it in one of them`);
  const memory = declared('memory');
  const cpu = oneOf('cpu', CPUS);
  checkCpuMemory(cpu, memory);
  const concurrency = int('concurrency', 1, 1000);
  const runtimeRoles = parseRuntimeRoles(declared('runtimeRoles'));

  const alertsText = given('alerts');
  let alerts: unknown = alertsText;
  try {
    alerts = alertsText === undefined ? undefined : JSON.parse(alertsText);
  } catch {
    // Not JSON: refused as the plain string it is.
  }

  return Object.freeze({
    stage,
    profile,
    webhookProject,
    agentProject,
    /** The agent lives in another project than the service. */
    crossProject: agentProject !== webhookProject,
    region,
    agentLocation,
    /** An existing agent's ID, or undefined when the program creates one. */
    agentId,
    createAgent,
    /** A webhook of the existing agent to adopt (import) instead of creating one: its ID. */
    existingWebhookId,
    target,
    auth,
    webhookTimeoutSeconds,
    minInstances,
    maxInstances,
    deletionProtection,
    smokeFlow,
    /** Extra plain and Secret Manager environment for the handlers, and the instance size. */
    service: Object.freeze({ env, secrets, memory, cpu, concurrency }),
    /** Project roles for the runtime account in the webhook project. */
    runtimeRoles,
    header,
    alerts: parseAlertsConfig(alerts, profile),
  });
}

/** Reads the stack's config through Pulumi. */
export function readStageConfig(): StageConfig {
  const config = new pulumi.Config(PROJECT_NAME);
  const prefix = `${PROJECT_NAME}:`;
  // Exported by the SDK's runtime (runtime/config.js) but not in its typings: whether the engine
  // passed a key as a secret. Without it the plaintext check could not run, so nothing is deployed.
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  const isConfigSecret = runtime.isConfigSecret;
  if (typeof isConfigSecret !== 'function') {
    throw new Error(
      'this @pulumi/pulumi does not say which config values are secrets (runtime.isConfigSecret), so plaintext secrets cannot be refused: use a version that does',
    );
  }
  return parseStageConfig(
    {
      keys: () =>
        Object.keys(pulumi.runtime.allConfig())
          .filter((k) => k.startsWith(prefix))
          .map((k) => k.slice(prefix.length)),
      get: (key) => config.get(key),
      getSecret: (key) => config.getSecret(key),
      isSecret: (key) => isConfigSecret(`${prefix}${key}`),
    },
    pulumi.getStack(),
  );
}
