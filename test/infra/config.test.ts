import * as pulumi from '@pulumi/pulumi';
import type * as configModule from '../../infra/config';
import {
  CONFIG_KEYS,
  parseStageConfig,
  StageConfigError,
  type ConfigKey,
  type ConfigSource,
} from '../../infra/config';
import { stackConfigFrom } from '../../infra/plan/stackConfig';

const PROJECT = 'cx-webhook-kit';

/** Pulumi.yaml's declared defaults, as the CLI merges them into every stack's config. */
const DECLARED: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(
    stackConfigFrom('defaults', { config: { [`${PROJECT}:webhookProject`]: 'declared-1' } }).config,
  )
    .filter(([key]) => key.startsWith(`${PROJECT}:`) && key !== `${PROJECT}:webhookProject`)
    .map(([key, value]) => [key.slice(PROJECT.length + 1), value]),
);

/**
 * A config source as the Pulumi engine would give it: `given` over Pulumi.yaml's defaults (or over
 * `declared`); `plain` lists keys stored unencrypted.
 */
function source(
  given: Partial<Record<string, string>>,
  options: { plain?: string[]; declared?: Readonly<Record<string, string>> } = {},
): ConfigSource {
  const declared = options.declared ?? DECLARED;
  const values: Partial<Record<string, string>> = { ...declared };
  for (const [key, value] of Object.entries(given)) if (value !== undefined) values[key] = value;
  const keys = [...new Set([...Object.keys(declared), ...Object.keys(given)])];
  return {
    keys: () => keys,
    get: (key: ConfigKey) => values[key],
    getSecret: (key: ConfigKey) =>
      values[key] === undefined ? undefined : pulumi.secret(values[key]),
    isSecret: (key: ConfigKey) => !(options.plain ?? []).includes(key),
  };
}

const BASE = { webhookProject: 'acme-cx-dev', createAgent: 'true' } as const;
const EXISTING = { webhookProject: 'acme-cx-dev', agentId: 'a1b2' } as const;
const PROD_BASE = { ...EXISTING, profile: 'prod', alerts: '{"email":"oncall@acme.example"}' };

describe('parseStageConfig', () => {
  it('fills in defaults for a dev stage', () => {
    const config = parseStageConfig(source(BASE), 'dev');
    expect(config).toEqual({
      stage: 'dev',
      profile: 'dev',
      webhookProject: 'acme-cx-dev',
      agentProject: 'acme-cx-dev',
      crossProject: false,
      region: 'us-central1',
      agentLocation: 'global',
      agentId: undefined,
      createAgent: true,
      existingWebhookId: undefined,
      target: 'run',
      auth: 'platform',
      webhookTimeoutSeconds: 5,
      minInstances: 0,
      maxInstances: 3,
      deletionProtection: false,
      smokeFlow: true,
      service: { env: {}, secrets: [], memory: '512Mi', cpu: '1', concurrency: 80 },
      runtimeRoles: [],
      header: undefined,
      alerts: { enabled: false },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.service)).toBe(true);
  });

  it('uses production defaults for the prod stage: a warm instance and deletion protection', () => {
    const config = parseStageConfig(
      source({
        webhookProject: 'acme-prod-hooks',
        agentProject: 'acme-prod-agents',
        agentId: 'a1b2',
        alerts: '{"email":"oncall@acme.example"}',
      }),
      'prod',
    );
    expect(config).toEqual(
      expect.objectContaining({
        minInstances: 1,
        maxInstances: 20,
        deletionProtection: true,
        crossProject: true,
      }),
    );
  });

  it('reads the header secret as a secret output', async () => {
    const config = parseStageConfig(
      source({ ...BASE, auth: 'header', headerSecret: 'v', headerName: 'X-Hook-Key' }),
      'dev',
    );
    expect(config.header?.name).toBe('x-hook-key');
    expect(
      await (config.header?.secret as unknown as { isSecret: Promise<boolean> }).isSecret,
    ).toBe(true);
  });

  it.each<[string, Partial<Record<ConfigKey, string>>, string]>([
    [
      'no webhook project',
      { createAgent: 'true' },
      'cx-webhook-kit:webhookProject is required: pulumi config set webhookProject <project-id>',
    ],
    [
      'a malformed project ID',
      { ...BASE, webhookProject: 'Acme_Dev' },
      'cx-webhook-kit:webhookProject must be a Google Cloud project ID',
    ],
    [
      'a malformed agent project',
      { ...BASE, agentProject: 'x' },
      'cx-webhook-kit:agentProject must be a Google Cloud project ID',
    ],
    [
      'neither agentId nor createAgent',
      { webhookProject: 'acme-cx-dev' },
      "cx-webhook-kit:agentId is required unless createAgent is true: set it to your agent's ID",
    ],
    [
      'both agentId and createAgent',
      { ...BASE, agentId: 'abc' },
      'cx-webhook-kit:agentId and createAgent: true exclude each other',
    ],
    [
      'a full agent name as agentId',
      { webhookProject: 'acme-cx-dev', agentId: 'projects/p/locations/global/agents/abc' },
      'cx-webhook-kit:agentId is the agent ID (the last part of projects/…/agents/<ID>), not the full name',
    ],
    [
      'createAgent not a boolean',
      { webhookProject: 'acme-cx-dev', createAgent: 'yes' },
      'cx-webhook-kit:createAgent must be true or false, got "yes"',
    ],
    [
      'a 45 s timeout',
      { ...BASE, webhookTimeoutSeconds: '45' },
      'cx-webhook-kit:webhookTimeoutSeconds must be an integer from 1 to 30 (Dialogflow\'s maximum is 30 s), got "45"',
    ],
    [
      'a zero timeout',
      { ...BASE, webhookTimeoutSeconds: '0' },
      'cx-webhook-kit:webhookTimeoutSeconds must be an integer from 1 to 30',
    ],
    [
      'a fractional timeout',
      { ...BASE, webhookTimeoutSeconds: '2.5' },
      'cx-webhook-kit:webhookTimeoutSeconds must be an integer',
    ],
    [
      'an unknown target',
      { ...BASE, target: 'gke' },
      'cx-webhook-kit:target must be one of run, function, got "gke"',
    ],
    [
      'an unknown auth',
      { ...BASE, auth: 'none' },
      'cx-webhook-kit:auth must be one of platform, id-token, header, got "none"',
    ],
    [
      'id-token on Cloud Functions',
      { ...BASE, auth: 'id-token', target: 'function' },
      'cx-webhook-kit:auth id-token needs the Cloud Run invoker check off',
    ],
    [
      'header auth without a secret',
      { ...BASE, auth: 'header' },
      'cx-webhook-kit:headerSecret is required for auth: header: pulumi config set --secret headerSecret <value>',
    ],
    [
      'header auth on Authorization',
      { ...BASE, auth: 'header', headerName: 'Authorization', headerSecret: 'x' },
      "cx-webhook-kit:headerName can't be Authorization",
    ],
    [
      'an invalid header name',
      { ...BASE, auth: 'header', headerName: 'x secret', headerSecret: 'x' },
      'cx-webhook-kit:headerName must be an HTTP header name',
    ],
    [
      'negative minInstances',
      { ...BASE, minInstances: '-1' },
      'cx-webhook-kit:minInstances must be an integer from 0 to 1000, got "-1"',
    ],
    [
      'minInstances above maxInstances',
      { ...BASE, minInstances: '5', maxInstances: '2' },
      'cx-webhook-kit:minInstances (5) must not exceed maxInstances (2)',
    ],
    [
      'zero maxInstances',
      { ...BASE, maxInstances: '0' },
      'cx-webhook-kit:maxInstances must be an integer from 1 to 1000',
    ],
    [
      'a bad region',
      { ...BASE, region: 'mars' },
      'cx-webhook-kit:region must be a region such as us-central1, got "mars"',
    ],
    [
      'a bad agent location',
      { ...BASE, agentLocation: 'moon' },
      'cx-webhook-kit:agentLocation must be global, a multi-region (us, eu) or a region',
    ],
    [
      'deletionProtection not a boolean',
      { ...BASE, deletionProtection: '1' },
      'cx-webhook-kit:deletionProtection must be true or false',
    ],
    [
      'a webhook to adopt in an agent the stack creates',
      { ...BASE, existingWebhookId: 'w-1' },
      'cx-webhook-kit:existingWebhookId adopts a webhook of an existing agent, so it excludes createAgent: true; set agentId to the agent that has the webhook',
    ],
    [
      'a webhook to adopt without an agent',
      { webhookProject: 'acme-cx-dev', existingWebhookId: 'w-1' },
      'cx-webhook-kit:agentId is required unless createAgent is true',
    ],
    [
      "a webhook's full name where its ID belongs",
      { ...EXISTING, existingWebhookId: 'projects/p/locations/global/agents/a/webhooks/w-1' },
      'cx-webhook-kit:existingWebhookId is the webhook ID (the last part of projects/…/agents/…/webhooks/<ID>), not the full name',
    ],
    [
      'a webhook ID with a space',
      { ...EXISTING, existingWebhookId: 'w 1' },
      'cx-webhook-kit:existingWebhookId is not a webhook ID: "w 1"',
    ],
  ])('refuses %s, naming the key and the fix', (_name, values, message) => {
    expect(() => parseStageConfig(source(values), 'dev')).toThrow(StageConfigError);
    expect(() => parseStageConfig(source(values), 'dev')).toThrow(message);
  });

  it('takes the ID of an existing webhook to adopt, with an existing agent', () => {
    const config = parseStageConfig(source({ ...EXISTING, existingWebhookId: 'w-1' }), 'dev');
    expect(config.existingWebhookId).toBe('w-1');
    expect(parseStageConfig(source(EXISTING), 'dev').existingWebhookId).toBeUndefined();
  });

  it('refuses deletionProtection false on a prod profile, naming the key that allows it', () => {
    const unprotected = { ...PROD_BASE, deletionProtection: 'false' };
    expect(() => parseStageConfig(source(unprotected), 'live')).toThrow(
      'cx-webhook-kit:deletionProtection false is refused for a prod profile',
    );
    expect(() => parseStageConfig(source(unprotected), 'live')).toThrow(
      'pulumi config set allowUnprotectedProd true',
    );
    const allowed = { ...unprotected, allowUnprotectedProd: 'true' };
    expect(parseStageConfig(source(allowed), 'live').deletionProtection).toBe(false);
    expect(parseStageConfig(source(PROD_BASE), 'live').deletionProtection).toBe(true);
    expect(() =>
      parseStageConfig(source({ ...unprotected, allowUnprotectedProd: 'yes' }), 'live'),
    ).toThrow('cx-webhook-kit:allowUnprotectedProd must be true or false, got "yes"');
    // A dev profile is unprotected by default and needs no override.
    const dev = parseStageConfig(source({ ...BASE, deletionProtection: 'false' }), 'dev');
    expect(dev.deletionProtection).toBe(false);
  });

  it('lets maxInstances default up to a higher minInstances', () => {
    expect(parseStageConfig(source({ ...BASE, minInstances: '5' }), 'dev').maxInstances).toBe(5);
  });
});

describe('the stage profile (explicit, never guessed from a stack name)', () => {
  const PROD = {
    webhookProject: 'acme-prod-hooks',
    agentId: 'a1b2',
    alerts: '{"email":"oncall@acme.example"}',
  };

  it.each(['dev', 'prod'] as const)('defaults to the stack name %s', (stage) => {
    expect(parseStageConfig(source(PROD), stage).profile).toBe(stage);
  });

  it('must not give a stack named production dev defaults: its profile is required', () => {
    expect(() => parseStageConfig(source(PROD), 'production')).toThrow(
      'cx-webhook-kit:profile is required for stack "production": only stacks named dev or prod imply their profile. Set it with: pulumi config set profile prod (or dev)',
    );
  });

  it('applies the named profile to any stack name', () => {
    const config = parseStageConfig(source({ ...PROD, profile: 'prod' }), 'production');
    expect(config).toEqual(
      expect.objectContaining({
        stage: 'production',
        profile: 'prod',
        minInstances: 1,
        deletionProtection: true,
      }),
    );
    expect(parseStageConfig(source({ ...BASE, profile: 'dev' }), 'feature-x').profile).toBe('dev');
  });

  it('refuses an unknown profile', () => {
    expect(() => parseStageConfig(source({ ...PROD, profile: 'staging' }), 'prod')).toThrow(
      'cx-webhook-kit:profile must be one of dev, prod, got "staging"',
    );
  });
});

describe('unknown keys in the namespace', () => {
  it.each([
    ['webhookTimeout', 'webhookTimeoutSeconds'],
    ['webhookTimout', 'webhookTimeoutSeconds'],
    ['webhookProjekt', 'webhookProject'],
    ['minInstance', 'minInstances'],
    ['servicEnv', 'serviceEnv'],
    ['deletionprotection', 'deletionProtection'],
  ])('refuses %s, naming %s', (key, nearest) => {
    expect(() => parseStageConfig(source({ ...BASE, [key]: '45' }), 'dev')).toThrow(
      `cx-webhook-kit:${key} is not a setting of this program; did you mean ${nearest}? Remove it with: pulumi config rm ${key}`,
    );
  });

  it('lists the settings when nothing is close', () => {
    expect(() => parseStageConfig(source({ ...BASE, colour: 'blue' }), 'dev')).toThrow(
      `(settings: ${CONFIG_KEYS.join(', ')})`,
    );
  });

  it("takes each default Pulumi.yaml declares from the CLI's merge, repeating none", () => {
    expect(Object.keys(DECLARED).length).toBeGreaterThan(0);
    // Config as some other runner would give it: every declared key but one (values that make
    // the program read each of them), and no default filled in for the missing one.
    const given = { webhookProject: 'acme-cx-dev', headerSecret: 's3cret' };
    const all: Record<string, string> = { ...DECLARED, auth: 'header', createAgent: 'true' };
    expect(() => parseStageConfig(source(given, { declared: all }), 'dev')).not.toThrow();
    for (const key of Object.keys(DECLARED)) {
      const declared = Object.fromEntries(Object.entries(all).filter(([k]) => k !== key));
      expect(() => parseStageConfig(source(given, { declared }), 'dev')).toThrow(
        `cx-webhook-kit:${key} is not set, though Pulumi.yaml declares its default`,
      );
    }
  });

  it('accepts every declared key', () => {
    const values = Object.fromEntries(CONFIG_KEYS.map((k) => [k, undefined]));
    expect(() => parseStageConfig(source({ ...values, ...BASE }), 'dev')).not.toThrow();
  });
});

describe('secrets stored in plain text', () => {
  it('must not accept headerSecret unless it is encrypted in the stack', () => {
    const values = { ...BASE, auth: 'header', headerSecret: 'hunter2' };
    expect(() => parseStageConfig(source(values, { plain: ['headerSecret'] }), 'dev')).toThrow(
      'cx-webhook-kit:headerSecret is stored in plain text: remove it and set it again with pulumi config set --secret headerSecret <value>',
    );
    expect(() => parseStageConfig(source(values), 'dev')).not.toThrow();
  });

  it('reads which values are secrets from the SDK, whose typings do not declare it', () => {
    // readStageConfig relies on runtime.isConfigSecret, exported by @pulumi/pulumi's
    // runtime/config.js; an SDK that drops it must fail here, not let a plaintext secret through.
    jest.isolateModules(() => {
      const sdk = require('@pulumi/pulumi') as typeof pulumi;
      sdk.runtime.setAllConfig(
        { 'cx-webhook-kit:headerSecret': 'x', 'cx-webhook-kit:auth': 'header' },
        ['cx-webhook-kit:headerSecret'],
      );
      const runtime = sdk.runtime as unknown as { isConfigSecret: (key: string) => boolean };
      expect(runtime.isConfigSecret('cx-webhook-kit:headerSecret')).toBe(true);
      expect(runtime.isConfigSecret('cx-webhook-kit:auth')).toBe(false);
    });
  });

  it('stops the program when the SDK no longer says which values are secrets', () => {
    jest.isolateModules(() => {
      const actual = jest.requireActual<typeof pulumi>('@pulumi/pulumi');
      jest.doMock('@pulumi/pulumi', () => ({
        ...actual,
        runtime: { ...actual.runtime, isConfigSecret: undefined },
      }));
      const { readStageConfig } = require('../../infra/config') as typeof configModule;
      expect(() => readStageConfig()).toThrow('plaintext secrets cannot be refused');
    });
    jest.dontMock('@pulumi/pulumi');
  });
});

describe('multi-region agent locations (cloud.google.com/dialogflow/cx/docs/concept/region)', () => {
  it.each(['global', 'us', 'eu', 'europe-west1', 'asia-northeast1'])('accepts %s', (location) => {
    expect(
      parseStageConfig(source({ ...BASE, agentLocation: location }), 'dev').agentLocation,
    ).toBe(location);
  });
});

describe("the handlers' settings", () => {
  const parse = (values: Record<string, string>) =>
    parseStageConfig(source({ ...BASE, ...values }), 'dev');

  it('reads serviceEnv, serviceSecrets, runtimeRoles and the resources', () => {
    const config = parse({
      serviceEnv: JSON.stringify({
        ORDERS_API_URL: 'https://orders.example',
        RETRIES: 3,
        LOG_LEVEL: 'debug',
      }),
      serviceSecrets: JSON.stringify({ ORDERS_API_KEY: 'orders-api-key', OTHER: 'other:4' }),
      runtimeRoles: JSON.stringify(['roles/datastore.user', 'roles/datastore.user']),
      memory: '1Gi',
      cpu: '2',
      concurrency: '40',
    });
    expect(config.service).toEqual({
      env: { ORDERS_API_URL: 'https://orders.example', RETRIES: '3', LOG_LEVEL: 'debug' },
      secrets: [
        { env: 'ORDERS_API_KEY', secretId: 'orders-api-key', version: 'latest' },
        { env: 'OTHER', secretId: 'other', version: '4' },
      ],
      memory: '1Gi',
      cpu: '2',
      concurrency: 40,
    });
    expect(config.runtimeRoles).toEqual(['roles/datastore.user']);
  });

  it.each<[string, Record<string, string>, string]>([
    [
      'a WEBHOOK_ name in serviceEnv',
      { serviceEnv: '{"WEBHOOK_AUTH":"none"}' },
      'cx-webhook-kit:serviceEnv has "WEBHOOK_AUTH", a name the platform or this program sets',
    ],
    ['PORT', { serviceEnv: '{"PORT":"9000"}' }, 'cx-webhook-kit:serviceEnv has "PORT", a name'],
    ['a K_ name', { serviceEnv: '{"K_SERVICE":"x"}' }, 'cx-webhook-kit:serviceEnv has "K_SERVICE"'],
    ['NODE_OPTIONS', { serviceEnv: '{"NODE_OPTIONS":"--x"}' }, 'has "NODE_OPTIONS", a name'],
    [
      'GOOGLE_CLOUD_PROJECT',
      { serviceEnv: '{"GOOGLE_CLOUD_PROJECT":"p"}' },
      'has "GOOGLE_CLOUD_PROJECT", a name',
    ],
    [
      'a name the Functions Framework reads',
      { serviceEnv: '{"FUNCTION_TARGET":"x"}' },
      'has "FUNCTION_TARGET", a name',
    ],
    [
      'a reserved name in serviceSecrets',
      { serviceSecrets: '{"WEBHOOK_HEADER_VALUE":"s"}' },
      'cx-webhook-kit:serviceSecrets has "WEBHOOK_HEADER_VALUE", a name',
    ],
    [
      'a bad env name',
      { serviceEnv: '{"1X":"y"}' },
      'has "1X", which is not an environment variable name',
    ],
    [
      'an object value',
      { serviceEnv: '{"X":{"a":1}}' },
      'cx-webhook-kit:serviceEnv has X set to {"a":1}',
    ],
    [
      'serviceEnv not an object',
      { serviceEnv: '["X"]' },
      'cx-webhook-kit:serviceEnv must be an object of NAME: value',
    ],
    [
      'a bad LOG_LEVEL',
      { serviceEnv: '{"LOG_LEVEL":"trace"}' },
      'has LOG_LEVEL "trace"; the service takes debug, info, warn, error',
    ],
    [
      'a secret resource name',
      { serviceSecrets: '{"KEY":"projects/p/secrets/k"}' },
      'cx-webhook-kit:serviceSecrets has KEY set to a resource name',
    ],
    ['a bad secret version', { serviceSecrets: '{"KEY":"k:v2"}' }, 'has KEY set to "k:v2"'],
    [
      'one name in both',
      { serviceEnv: '{"KEY":"a"}', serviceSecrets: '{"KEY":"k"}' },
      'cx-webhook-kit:serviceSecrets and serviceEnv both set KEY',
    ],
    [
      'roles/owner',
      { runtimeRoles: '["roles/owner"]' },
      'cx-webhook-kit:runtimeRoles has roles/owner, a basic role',
    ],
    ['roles/editor', { runtimeRoles: '["roles/editor"]' }, 'has roles/editor, a basic role'],
    [
      'a malformed role',
      { runtimeRoles: '["datastore.user"]' },
      'has "datastore.user", which is not a role',
    ],
    [
      'runtimeRoles not a list',
      { runtimeRoles: 'roles/x' },
      'cx-webhook-kit:runtimeRoles must be a list of roles',
    ],
    [
      'memory without a unit',
      { memory: '512' },
      'cx-webhook-kit:memory must be a size such as 512Mi or 2Gi',
    ],
    [
      'too much memory',
      { memory: '64Gi', cpu: '8' },
      'cx-webhook-kit:memory must be from 128Mi to 32Gi',
    ],
    ['an unknown cpu', { cpu: '3' }, 'cx-webhook-kit:cpu must be one of 1, 2, 4, 6, 8, got "3"'],
    [
      '8Gi on one cpu',
      { memory: '8Gi' },
      'cx-webhook-kit:memory (8Gi) and cpu (1): memory over 4Gi needs cpu 2 or more',
    ],
    ['4 cpus on 1Gi', { memory: '1Gi', cpu: '4' }, 'cpu 4 needs at least 2Gi of memory'],
    [
      'zero concurrency',
      { concurrency: '0' },
      'cx-webhook-kit:concurrency must be an integer from 1 to 1000',
    ],
  ])('refuses %s', (_name, values, message) => {
    expect(() => parse(values)).toThrow(StageConfigError);
    expect(() => parse(values)).toThrow(message);
  });
});

describe('the alerts key', () => {
  it('is on for the prod profile and notifies the address given', () => {
    const config = parseStageConfig(
      source({
        webhookProject: 'acme-prod',
        agentId: 'a1',
        alerts: '{"email":"oncall@acme.example"}',
      }),
      'prod',
    );
    expect(config.alerts).toEqual({
      enabled: true,
      notify: { kind: 'email', email: 'oncall@acme.example' },
      errorRatio: 0.05,
    });
  });

  it('names the field at fault with the key', () => {
    expect(() =>
      parseStageConfig(source({ ...BASE, alerts: '{"enabled":true,"emial":"a@b.co"}' }), 'dev'),
    ).toThrow('cx-webhook-kit:alerts has no field "emial": did you mean "email"?');
    expect(() =>
      parseStageConfig(source({ ...BASE, alerts: '{"enabled":true,"email":"nobody"}' }), 'dev'),
    ).toThrow('cx-webhook-kit:alerts.email must be an email address');
  });

  it('refuses a value that is not an object, naming the key', () => {
    expect(() => parseStageConfig(source({ ...BASE, alerts: 'oncall@acme' }), 'dev')).toThrow(
      'cx-webhook-kit:alerts must be an object such as { email: oncall@example.com }',
    );
  });
});
