import { BUILD_ROLES } from '../../../infra/components/buildAccount';
import { isRunUrlOf } from '../../../infra/components/webhookService';
import { fakeProjectNumber } from '../../../infra/plan/fakeGcp';
import type { ProgramRun, RecordedResource } from '../../../infra/plan/recorder';
import {
  all,
  appearsInPlaintext,
  env,
  KEY,
  one,
  runMinimalStack,
  waitsFor,
} from '../../helpers/infra';

// What a first `pulumi up` meets that mocks cannot show by running it: each rule below is the one
// the cited Google or provider source states, checked on the program run with fixture stacks.

const SERVICE = 'gcp:cloudrunv2/service:Service';
const FUNCTION = 'gcp:cloudfunctionsv2/function:Function';
const ACCOUNT = 'gcp:serviceaccount/account:Account';
const SLEEP = 'time:index/sleep:Sleep';
const SECRET = 'gcp:secretmanager/secret:Secret';
const CX_WEBHOOK = 'gcp:diagflow/cxWebhook:CxWebhook';

const stack = (name: string, config: Record<string, unknown>) =>
  runMinimalStack(name, {
    [KEY('webhookProject')]: 'fixture-hooks-1',
    [KEY('createAgent')]: true,
    ...Object.fromEntries(Object.entries(config).map(([k, v]) => [KEY(k), v])),
  });

const seconds = (duration: unknown) => {
  const match = /^(\d+)s$/.exec(String(duration));
  if (!match) throw new Error(`not a duration in seconds: ${String(duration)}`);
  return Number(match[1]);
};

let run: ProgramRun;
let fn: ProgramRun;
beforeAll(async () => {
  run = await stack('fixture-run', {
    profile: 'prod',
    region: 'europe-west4',
    auth: 'header',
    headerSecret: { secure: 'v1:fixture' },
    runtimeRoles: ['roles/datastore.user'],
    serviceSecrets: { API_KEY: 'fixture-api-key' },
    alerts: { enabled: false },
  });
  fn = await stack('fixture-fn', { profile: 'dev', target: 'function', region: 'asia-northeast1' });
}, 120_000);

describe('a function is called at its run.app URL', () => {
  // Cloud Run documents the service's run.app URL (and custom audiences) as the audience its
  // invoker check accepts; `Function.url` is the cloudfunctions.net form (firebase-tools reads the
  // gen2 URL from serviceConfig.uri), and whether its `/<name>` path reaches `POST /` is
  // unconfirmed. The deterministic URL is https://<service>-<project number>.<region>.run.app
  // (cloud.google.com/run/docs/triggering/https-request), the function's service named after it.
  it('points the CX webhook and WEBHOOK_AUDIENCE at the deterministic run.app URL', () => {
    const f = one(fn, FUNCTION);
    const url = `https://${String(f.inputs.name)}-${fakeProjectNumber('fixture-hooks-1')}.asia-northeast1.run.app`;
    const webhook = one(fn, CX_WEBHOOK).inputs.genericWebService as { uri: string };
    expect(webhook.uri).toBe(url);
    expect(env(fn).WEBHOOK_AUDIENCE.split(',')).toEqual([url, `${url}/`]);
    expect(appearsInPlaintext(one(fn, CX_WEBHOOK).inputs, 'cloudfunctions.net')).toBe(false);
  });

  it.each<[string, string, boolean]>([
    ['the deterministic URL', 'https://cx-webhook-dev-123456789012.us-central1.run.app', true],
    ['the hash URL', 'https://cx-webhook-dev-abc123xyz-uc.a.run.app', true],
    ["another service's URL", 'https://cx-webhook-dev2-123.us-central1.run.app', false],
    [
      'the cloudfunctions.net URL',
      'https://us-central1-p.cloudfunctions.net/cx-webhook-dev',
      false,
    ],
    ['plain http', 'http://cx-webhook-dev-123.us-central1.run.app', false],
    ['not a URL', 'cx-webhook-dev', false],
  ])('takes %s as a run.app URL of the service: %s', (_name, url, expected) => {
    expect(isRunUrlOf(url, 'cx-webhook-dev')).toBe(expected);
  });
});

describe('the build account', () => {
  // "grant the Cloud Run Builder (roles/run.builder) role to the Cloud Build service account on
  // the project" (cloud.google.com/run/docs/configuring/services/build-service-account).
  it("holds exactly Google's recommended build role, and the function builds as it", () => {
    expect(BUILD_ROLES).toEqual(['roles/run.builder']);
    const build = all(fn, ACCOUNT).find((a) => String(a.inputs.accountId).startsWith('cxwh-build'));
    const member = `serviceAccount:${String(build?.inputs.accountId)}@`;
    const roles = all(fn, 'gcp:projects/iAMMember:IAMMember')
      .filter((g) => String(g.inputs.member).startsWith(member))
      .map((g) => g.inputs.role);
    expect(roles).toEqual([...BUILD_ROLES]);
    expect(
      (one(fn, FUNCTION).inputs.buildConfig as { serviceAccount: string }).serviceAccount,
    ).toMatch(
      new RegExp(`^projects/fixture-hooks-1/serviceAccounts/${String(build?.inputs.accountId)}@`),
    );
  });
});

describe('new service accounts', () => {
  // "After you create a service account, you might need to wait for 60 seconds or more before you
  // use the service account" (cloud.google.com/iam/docs/service-accounts-create).
  const waitsAfter = (r: ProgramRun, user: RecordedResource, account: RecordedResource) =>
    all(r, SLEEP).some(
      (sleep) =>
        sleep.dependencies.includes(account.urn) &&
        seconds(sleep.inputs.createDuration) >= 60 &&
        waitsFor(r, user, sleep),
    );

  it.each([
    ['a Cloud Run stack', () => run],
    ['a function stack', () => fn],
  ])('are granted roles, and run services, only 60 s after they exist (%s)', (_name, get) => {
    const r = get();
    const accounts = all(r, ACCOUNT);
    expect(accounts.length).toBeGreaterThan(0);
    for (const account of accounts) {
      const email = `${String(account.inputs.accountId)}@`;
      const users = r.resources.filter(
        (x) => x.custom && x !== account && x.type !== SLEEP && appearsInPlaintext(x.inputs, email),
      );
      expect(users.length).toBeGreaterThan(0);
      for (const user of users) {
        expect({ user: user.name, waits: waitsAfter(r, user, account) }).toEqual({
          user: user.name,
          waits: true,
        });
      }
    }
  });
});

describe('Cloud Run without a build', () => {
  // The provider marks `sourceCode` "(Optional, Beta)" and documents launchStage as how to "allow
  // use of preview features" (@pulumi/gcp cloudrunv2/service.d.ts); Cloud Run lists deploying
  // without a build as Preview, which has no SLA.
  it('declares a preview launch stage wherever a container runs source from Cloud Storage', () => {
    const service = one(run, SERVICE);
    const containers = (service.inputs.template as { containers: { sourceCode?: unknown }[] })
      .containers;
    expect(containers.some((c) => c.sourceCode !== undefined)).toBe(true);
    expect(['ALPHA', 'BETA']).toContain(service.inputs.launchStage);
  });
});

describe('deletion guards', () => {
  // Gen2 functions have `deletionPolicy` (PREVENT stops a `pulumi up`/`destroy` that would delete
  // it; @pulumi/gcp cloudfunctionsv2/function.d.ts), a provider-side guard like Cloud Run's
  // deletionProtection: protection on means PREVENT, off means DELETE.
  it('sets the function deletionPolicy from deletionProtection', async () => {
    expect(one(fn, FUNCTION).inputs.deletionPolicy).toBe('DELETE');
    const guarded = await stack('fixture-fn-prod', {
      profile: 'prod',
      target: 'function',
      alerts: { enabled: false },
    });
    expect(one(guarded, FUNCTION).inputs.deletionPolicy).toBe('PREVENT');
    expect(one(guarded, FUNCTION).options.protect).toBe(true);
  }, 60_000);
});

describe('the header secret', () => {
  // "a secret with an automatic replication policy can only be created if resource creation in
  // global is allowed" (cloud.google.com/secret-manager/docs/choosing-replication): a resource
  // locations organisation policy refuses it. Locations cannot change after creation.
  it("is replicated to the service's region only, and an older secret is not replaced for it", () => {
    const secret = one(run, SECRET);
    expect(secret.inputs.replication).toEqual({
      userManaged: { replicas: [{ location: one(run, SERVICE).inputs.location }] },
    });
    expect(one(run, SERVICE).inputs.location).toBe('europe-west4');
    expect(secret.options.ignoreChanges).toEqual(['replication']);
  });
});
