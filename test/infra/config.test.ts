import * as pulumi from '@pulumi/pulumi';
import { parseStageConfig, StageConfigError, type ConfigKey } from '../../infra/config';

function source(values: Partial<Record<ConfigKey, string>>) {
  return {
    get: (key: ConfigKey) => values[key],
    getSecret: (key: ConfigKey) =>
      values[key] === undefined ? undefined : pulumi.secret(values[key]),
  };
}

const BASE = { webhookProject: 'acme-cx-dev', createAgent: 'true' } as const;

describe('parseStageConfig', () => {
  it('fills in defaults for a dev stage', () => {
    const config = parseStageConfig(source(BASE), 'dev');
    expect(config).toEqual({
      stage: 'dev',
      webhookProject: 'acme-cx-dev',
      agentProject: 'acme-cx-dev',
      crossProject: false,
      region: 'us-central1',
      agentLocation: 'global',
      agentId: undefined,
      createAgent: true,
      target: 'run',
      auth: 'platform',
      webhookTimeoutSeconds: 5,
      minInstances: 0,
      maxInstances: 3,
      deletionProtection: false,
      header: undefined,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('uses production defaults for the prod stage: a warm instance and deletion protection', () => {
    const config = parseStageConfig(
      source({
        webhookProject: 'acme-prod-hooks',
        agentProject: 'acme-prod-agents',
        agentId: 'a1b2',
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
      'cx-webhook-kit:agentLocation must be global or a region',
    ],
    [
      'deletionProtection not a boolean',
      { ...BASE, deletionProtection: '1' },
      'cx-webhook-kit:deletionProtection must be true or false',
    ],
  ])('refuses %s, naming the key and the fix', (_name, values, message) => {
    expect(() => parseStageConfig(source(values), 'dev')).toThrow(StageConfigError);
    expect(() => parseStageConfig(source(values), 'dev')).toThrow(message);
  });

  it('lets maxInstances default up to a higher minInstances', () => {
    expect(parseStageConfig(source({ ...BASE, minInstances: '5' }), 'dev').maxInstances).toBe(5);
  });
});
