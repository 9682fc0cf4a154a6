import * as pulumi from '@pulumi/pulumi';
import {
  invokerCheckEnabled,
  RUNTIME_ENV,
  webhookAuthSetting,
  webhookEnv,
} from '../../infra/webhookEnv';
import { loadConfig } from '../../service/config';
import { LOG_LEVELS } from '../../service/envContract';
import {
  buildAccountId,
  cloudRunServiceAgent,
  deterministicRunUrl,
  serviceName,
  slug,
  sourceBucketName,
  accountId,
} from '../../infra/names';

const CALLER = 'service-123456789012@gcp-sa-dialogflow.iam.gserviceaccount.com';

async function resolve(env: Record<string, pulumi.Input<string>>): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(env).map(
      ([k, v]) => new Promise<[string, string]>((r) => pulumi.output(v).apply((x) => r([k, x]))),
    ),
  );
  return Object.fromEntries(entries);
}

describe('webhookEnv', () => {
  it.each([
    ['platform', 'platform', true],
    ['id-token', 'id-token', false],
    ['header', 'platform,header', true],
  ] as const)('%s → WEBHOOK_AUTH=%s, invoker check %s', (auth, setting, check) => {
    expect(webhookAuthSetting(auth)).toBe(setting);
    expect(invokerCheckEnabled(auth)).toBe(check);
  });

  it('produces an environment the service itself accepts, for every mode', async () => {
    const url = 'https://cx-webhook-dev-123456789012.us-central1.run.app';
    for (const auth of ['platform', 'id-token', 'header'] as const) {
      const env = await resolve(
        webhookEnv(
          {
            auth,
            webhookTimeoutSeconds: 7,
            webhookProject: 'acme',
            header: auth === 'header' ? { name: 'x-webhook-secret' } : undefined,
            service: { concurrency: 40, env: {} },
          },
          CALLER,
          url,
        ),
      );
      // The secret value arrives from Secret Manager at run time; stand in for it here.
      const config = loadConfig({
        ...env,
        WEBHOOK_HEADER_VALUE: 'from-secret-manager',
        K_SERVICE: 'cx-webhook-dev',
      });
      expect(config.timeoutMs).toBe(7000);
      expect(config.concurrency).toBe(40);
      expect(config.allowedCallers).toEqual([CALLER]);
      expect(config.audiences).toEqual([url, `${url}/`]);
    }
  });

  it('names the header only for header auth, and refuses header auth without a name', async () => {
    const header = { name: 'x-webhook-secret' };
    const service = { concurrency: 1, env: {} };
    const stage = { webhookTimeoutSeconds: 5, webhookProject: 'acme', header, service };
    const platform = await resolve(webhookEnv({ ...stage, auth: 'platform' }, CALLER, 'https://x'));
    expect(platform).not.toHaveProperty('WEBHOOK_HEADER_NAME');
    const withHeader = await resolve(webhookEnv({ ...stage, auth: 'header' }, CALLER, 'https://x'));
    expect(withHeader).toHaveProperty('WEBHOOK_HEADER_NAME', header.name);
    expect(() => webhookEnv({ ...stage, auth: 'header', header: undefined }, CALLER, 'x')).toThrow(
      'header auth needs a header name',
    );
  });

  it("runs the service in production mode on Node's default heap, as npm run bench measures it", async () => {
    const env = await resolve(
      webhookEnv(
        {
          auth: 'platform',
          webhookTimeoutSeconds: 5,
          webhookProject: 'acme',
          service: { concurrency: 80, env: {} },
        },
        CALLER,
        'https://x.run.app',
      ),
    );
    expect(RUNTIME_ENV).toEqual({ NODE_ENV: 'production', LOG_LEVEL: 'info' });
    expect(env).toEqual(expect.objectContaining(RUNTIME_ENV));
    expect(env).not.toHaveProperty('NODE_OPTIONS');
  });

  it('adds serviceEnv, lets it set LOG_LEVEL, and refuses it any name the infra sets', async () => {
    const withExtra = (env: Record<string, string>) =>
      webhookEnv(
        {
          auth: 'platform',
          webhookTimeoutSeconds: 5,
          webhookProject: 'acme',
          service: { concurrency: 80, env },
        },
        CALLER,
        'https://x.run.app',
      );
    const env = await resolve(
      withExtra({ ORDERS_API_URL: 'https://o.example', LOG_LEVEL: 'debug' }),
    );
    expect(env).toEqual(
      expect.objectContaining({ ORDERS_API_URL: 'https://o.example', LOG_LEVEL: 'debug' }),
    );
    expect(() => withExtra({ WEBHOOK_AUTH: 'none' })).toThrow(
      'serviceEnv may not set WEBHOOK_AUTH',
    );
  });

  it('allows serviceEnv exactly the LOG_LEVEL values the service accepts', () => {
    const env = { WEBHOOK_AUTH: 'none' };
    for (const level of LOG_LEVELS)
      expect(loadConfig({ ...env, LOG_LEVEL: level }).logLevel).toBe(level);
    expect(() => loadConfig({ ...env, LOG_LEVEL: 'trace' })).toThrow(
      'LOG_LEVEL must be one of debug, info, warn, error',
    );
  });
});

describe('names', () => {
  it('fits each service naming rule', () => {
    expect(serviceName('dev')).toBe('cx-webhook-dev');
    expect(accountId('Feature_Branch.42')).toBe('cx-webhook-feature-branch-42');
    expect(accountId('a-very-long-stage-name-that-goes-on')).toHaveLength(30);
    expect(accountId('a-very-long-stage-name-that-goes-on')).not.toMatch(/-$/);
    expect(sourceBucketName('acme-cx-dev', 'dev')).toBe('acme-cx-dev-cx-webhook-dev-src');
    expect(slug('9lives', 10)).toBe('lives');
    expect(deterministicRunUrl('svc', '123', 'europe-west1')).toBe(
      'https://svc-123.europe-west1.run.app',
    );
    expect(cloudRunServiceAgent('123')).toBe(
      'service-123@serverless-robot-prod.iam.gserviceaccount.com',
    );
  });

  it('keeps build and runtime account IDs apart whatever the stage names', () => {
    expect(buildAccountId('dev')).toBe('cxwh-build-dev');
    expect(buildAccountId('a-very-long-stage-name-that-goes-on')).toHaveLength(30);
    // A runtime ID starts with cx-webhook-, a build ID never does: stages "x-build" and "x" cannot collide.
    expect(accountId('build-x')).not.toBe(buildAccountId('x'));
    expect(buildAccountId('x')).not.toMatch(/^cx-webhook-/);
  });
});
