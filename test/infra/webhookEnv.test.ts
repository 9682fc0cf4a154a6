import * as pulumi from '@pulumi/pulumi';
import { invokerCheckEnabled, webhookAuthSetting, webhookEnv } from '../../infra/webhookEnv';
import { loadConfig } from '../../service/config';
import {
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
        webhookEnv({
          auth,
          webhookTimeoutSeconds: 7,
          callerEmail: CALLER,
          audienceUrl: url,
          headerName: 'x-webhook-secret',
          project: 'acme',
        }),
      );
      // The secret value arrives from Secret Manager at run time; stand in for it here.
      const config = loadConfig({
        ...env,
        WEBHOOK_HEADER_VALUE: 'from-secret-manager',
        K_SERVICE: 'cx-webhook-dev',
      });
      expect(config.timeoutMs).toBe(7000);
      expect(config.allowedCallers).toEqual([CALLER]);
      if (auth === 'id-token') expect(config.audiences).toEqual([url, `${url}/`]);
    }
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
  });
});
