import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { main, type SmokeResult } from '../../scripts/smoke';
import { LOCAL_SERVICE_AGENT, generateKey } from '../../scripts/localIdp';
import { composeHandlers } from '../../service/composition';
import { SMOKE_TAG } from '../../service/smoke';
import { captureIo } from '../helpers/cliIo';
import { startDialogflowStandIn, type StandIn } from '../helpers/dialogflowStandIn';
import { fakePulumi } from '../helpers/fakePulumi';
import { startFrontEnd, type FrontEnd } from '../helpers/frontEnd';
import { runStack } from '../helpers/infra';
import { startApp, type LiveApp } from '../helpers/liveApp';
import { AGENT, SMOKE_FLOW, smokeAgent, smokeFlow, webhook } from '../helpers/standInAgents';
import { agentFromPlan } from '../helpers/standInFromPlan';
import { fakeClock } from '../helpers/fakeClock';
import type { CallerAuth } from '../helpers/webhookCall';

const REVISION = 'cx-webhook-dev-00007-kit';
const key = generateKey();
const parse = (io: { stdout: string[] }) => JSON.parse(io.stdout.join('\n')) as SmokeResult;
const platformCaller: CallerAuth = { kind: 'platform', key, email: LOCAL_SERVICE_AGENT };

describe('npm run smoke against a Dialogflow stand-in calling the real service', () => {
  let app: LiveApp;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    app = await startApp({
      ...composeHandlers({}),
      env: {
        WEBHOOK_AUTH: 'platform',
        WEBHOOK_ALLOWED_CALLERS: LOCAL_SERVICE_AGENT,
        K_REVISION: REVISION,
      },
    });
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });
  afterAll(() => app.close());

  async function standIn(...args: Parameters<typeof smokeAgent>): Promise<StandIn> {
    const s = await startDialogflowStandIn(smokeAgent(...args));
    closers.push(() => s.close());
    return s;
  }
  async function frontEnd(
    options: Omit<Parameters<typeof startFrontEnd>[0], 'target'>,
  ): Promise<FrontEnd> {
    const f = await startFrontEnd({ target: `${app.url}/`, ...options });
    closers.push(() => f.close());
    return f;
  }
  const smoke = async (s: StandIn, extra: string[] = [], deps = {}) => {
    const io = captureIo();
    const code = await main(
      ['--agent', AGENT, '--flow', SMOKE_FLOW, '--wait', '0', ...s.flags, ...extra],
      io,
      deps,
    );
    return { code, io };
  };

  it('passes when the webhook is called, answers OK and returns the marker', async () => {
    const s = await standIn([webhook(`${app.url}/`, platformCaller)]);
    const { code, io } = await smoke(s);
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    expect(io.stdout[0]).toMatch(/^smoke: PASS .* came back \(round trip \d+ ms\)$/);
    expect(io.stdout).toContain(`  revision  ${REVISION}`);
    expect(io.stdout).toContain(`  caller    ${LOCAL_SERVICE_AGENT} (auth: platform)`);
    // The v3beta1 QueryResult names the call's tag and how long Dialogflow waited for it.
    expect(io.stdout).toContainEqual(
      expect.stringMatching(new RegExp(`^ {2}webhook {3}${SMOKE_TAG} OK in \\d+ ms$`)),
    );
    // Dialogflow → service → Dialogflow: the stand-in really called the service, as Cloud Run
    // forwards the call, with the reserved tag and event.
    expect(s.calls).toHaveLength(1);
    expect(s.calls[0].tag).toBe(SMOKE_TAG);
    expect(s.calls[0].request.triggerEvent).toBe(SMOKE_TAG);
    expect(s.calls[0].request.pageInfo?.currentPage).toBe(`${SMOKE_FLOW}/pages/START_PAGE`);
  });

  it("passes against the dev stack's smoke flow as the program plans it, read from the stack outputs", async () => {
    const run = await runStack('dev');
    const planned = agentFromPlan(run, `${app.url}/`, platformCaller);
    const s = await startDialogflowStandIn(planned.agent);
    closers.push(() => s.close());
    const pulumi = fakePulumi({ outputs: run.outputs });
    closers.push(() => Promise.resolve(pulumi.cleanup()));
    const io = captureIo();
    const code = await main(['dev', '--wait', '0', ...s.flags], io, {
      pulumi: { command: pulumi.command },
    });
    expect(io.stdout[0]).toMatch(/^smoke: PASS /);
    expect(code).toBe(0);
    expect(s.calls.map((c) => [c.tag, c.request.pageInfo?.currentPage])).toEqual([
      [SMOKE_TAG, `${planned.smokeFlowName}/pages/START_PAGE`],
    ]);
  });

  it('prints one JSON object with the documented fields for CI', async () => {
    const s = await standIn([webhook(`${app.url}/`, platformCaller)]);
    const { code, io } = await smoke(s, ['--json']);
    expect(code).toBe(0);
    const result = parse(io);
    expect(Object.keys(result).sort()).toEqual(
      [
        'agent',
        'attempts',
        'diagnosis',
        'endpoint',
        'flow',
        'marker',
        'ok',
        'outcome',
        'roundTripMs',
        'session',
        'webhookStatuses',
      ].sort(),
    );
    expect(result).toMatchObject({
      ok: true,
      outcome: 'passed',
      agent: AGENT,
      flow: SMOKE_FLOW,
      endpoint: s.endpoint,
      attempts: 1,
      marker: { ok: true, revision: REVISION, auth: 'platform', caller: LOCAL_SERVICE_AGENT },
      webhookStatuses: [{ code: 0, codeName: 'OK', message: '', httpStatus: null, tag: SMOKE_TAG }],
      diagnosis: null,
    });
    expect(result.session).toMatch(new RegExp(`^${AGENT}/sessions/smoke-[0-9a-f]{30}$`));
    expect(typeof result.roundTripMs).toBe('number');
  });

  it('diagnoses a caller outside the allow-list as rejected, and names the allow-list', async () => {
    const stranger: CallerAuth = {
      ...platformCaller,
      email: 'service-999@gcp-sa-dialogflow.iam.gserviceaccount.com',
    };
    const s = await standIn([webhook(`${app.url}/`, stranger)]);
    const { code, io } = await smoke(s, ['--json']);
    expect(code).toBe(1);
    const result = parse(io);
    expect(result.outcome).toBe('rejected');
    expect(result.webhookStatuses[0]).toMatchObject({
      codeName: 'PERMISSION_DENIED',
      httpStatus: 403,
    });
    expect(result.diagnosis!.causes.join('\n')).toMatch(/WEBHOOK_ALLOWED_CALLERS/);
    expect(result.diagnosis!.causes.join('\n')).toMatch(/invoker grant .* has not applied yet/);
    expect(result.attempts).toBe(1);
  });

  it('diagnoses a call without a token as rejected (UNAUTHENTICATED)', async () => {
    const s = await standIn([webhook(`${app.url}/`, { kind: 'none' })]);
    const { code, io } = await smoke(s);
    expect(code).toBe(1);
    expect(io.stdout[0]).toBe(
      "smoke: FAIL  rejected: the webhook refused Dialogflow's call (UNAUTHENTICATED, HTTP 401)",
    );
    expect(io.text()).toMatch(/likely causes:/);
  });

  it('passes when a platform-mode service is called for another audience, which it logs', async () => {
    // Cloud Run admitted the token (its IAM check verified aud); the service does not refuse on a
    // WEBHOOK_AUDIENCE mismatch (design.md, platform strategy) but logs the values once.
    const strict = await startApp({
      ...composeHandlers({}),
      env: {
        WEBHOOK_AUTH: 'platform',
        WEBHOOK_ALLOWED_CALLERS: LOCAL_SERVICE_AGENT,
        WEBHOOK_AUDIENCE: 'https://cx-webhook-dev-123456789012.us-central1.run.app',
      },
    });
    closers.push(() => strict.close());
    const s = await standIn([webhook(`${strict.url}/`, platformCaller)]);
    const { code, io } = await smoke(s, ['--json']);
    expect(code).toBe(0);
    expect(parse(io).outcome).toBe('passed');
    expect(strict.logs()).toContainEqual(
      expect.objectContaining({
        expected: ['https://cx-webhook-dev-123456789012.us-central1.run.app'],
      }),
    );
  });

  it('names the audience among the causes of a 403 too', async () => {
    const stranger: CallerAuth = {
      ...platformCaller,
      email: 'service-999@gcp-sa-dialogflow.iam.gserviceaccount.com',
    };
    const s = await standIn([webhook(`${app.url}/`, stranger)]);
    const { io } = await smoke(s, ['--json']);
    expect(parse(io).diagnosis!.causes.at(-1)).toMatch(/^the token's audience is not one/);
  });

  it('retries while the invoker check refuses, backing off, and passes once the grant applies', async () => {
    const gate = await frontEnd({ refuseFirst: 2, refuseStatus: 403 });
    const s = await standIn([webhook(gate.url, platformCaller)]);
    const { sleeps, ...deps } = fakeClock();
    const { code, io } = await smoke(s, ['--wait', '60'], deps);
    expect(code).toBe(0);
    expect(sleeps).toEqual([2000, 4000]);
    expect(io.stderr).toHaveLength(2);
    expect(io.stderr[0]).toMatch(/attempt 1 refused \(PERMISSION_DENIED\).*trying again in 2\.0 s/);
    expect(io.stdout).toContain('  attempts  3');
    expect(gate.requests()).toBe(3);
  });

  it('stops retrying at the --wait deadline and reports the refusal', async () => {
    const gate = await frontEnd({ refuseFirst: 1000 });
    const s = await standIn([webhook(gate.url, platformCaller)]);
    const { sleeps, ...deps } = fakeClock();
    const { code, io } = await smoke(s, ['--wait', '5', '--json'], deps);
    expect(code).toBe(1);
    expect(sleeps).toEqual([2000, 3000]);
    expect(parse(io)).toMatchObject({ outcome: 'rejected', attempts: 3 });
  });

  it('with --wait 0 tries once', async () => {
    const gate = await frontEnd({ refuseFirst: 1000 });
    const s = await standIn([webhook(gate.url, platformCaller)]);
    const { code } = await smoke(s);
    expect(code).toBe(1);
    expect(gate.requests()).toBe(1);
  });

  it('diagnoses a cold start longer than the webhook timeout as timeout, without retrying', async () => {
    const slow = await frontEnd({ delayMs: 1500 });
    const s = await standIn([webhook(slow.url, platformCaller, { timeoutMs: 300 })]);
    const { code, io } = await smoke(s, ['--wait', '30', '--json']);
    expect(code).toBe(1);
    const result = parse(io);
    expect(result).toMatchObject({ outcome: 'timeout', attempts: 1 });
    expect(result.webhookStatuses[0].codeName).toBe('DEADLINE_EXCEEDED');
    expect(result.diagnosis!.causes[0]).toMatch(/cold start took longer than the webhook timeout/);
  });

  it('diagnoses a smoke flow without the event handler as not called', async () => {
    const s = await standIn(
      [webhook(`${app.url}/`, platformCaller)],
      smokeFlow({ withHandler: false }),
    );
    const { code, io } = await smoke(s, ['--json']);
    expect(code).toBe(1);
    const result = parse(io);
    expect(result).toMatchObject({ outcome: 'not-called', webhookStatuses: [] });
    expect(result.diagnosis!.summary).toBe('Dialogflow called no webhook for the smoke event');
    expect(s.calls).toHaveLength(0);
  });

  it('diagnoses a missing smoke flow as not called, with what Dialogflow said', async () => {
    const s = await standIn([webhook(`${app.url}/`, platformCaller)]);
    const io = captureIo();
    const code = await main(
      ['--agent', AGENT, '--flow', `${AGENT}/flows/gone`, '--wait', '0', '--json', ...s.flags],
      io,
    );
    expect(code).toBe(1);
    const result = parse(io);
    expect(result.outcome).toBe('not-called');
    expect(result.diagnosis!.summary).toMatch(/could not run the smoke flow .*NOT_FOUND/);
    expect(result.diagnosis!.causes[0]).toMatch(/smoke flow is missing/);
  });

  describe('a webhook answered by something other than the service', () => {
    let other: Server;
    beforeAll(async () => {
      other = createServer((_req, res) =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"fulfillmentResponse":{"messages":[]}}'),
      );
      await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    });
    afterAll(() => new Promise<void>((r) => other.close(() => r())));

    it('diagnoses a 200 without the marker as the wrong answerer', async () => {
      const s = await standIn([
        webhook(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`, platformCaller),
      ]);
      const { code, io } = await smoke(s, ['--json']);
      expect(code).toBe(1);
      const result = parse(io);
      expect(result).toMatchObject({ outcome: 'wrong-answerer', marker: null });
      expect(result.webhookStatuses).toEqual([
        {
          code: 0,
          codeName: 'OK',
          message: '',
          httpStatus: null,
          tag: SMOKE_TAG,
          latencyMs: expect.any(Number),
        },
      ]);
    });
  });

  it('diagnoses an unreachable webhook URL as unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const s = await standIn([webhook(`http://127.0.0.1:${port}/`, platformCaller)]);
    const { code, io } = await smoke(s, ['--json']);
    expect(code).toBe(1);
    expect(parse(io)).toMatchObject({ outcome: 'unavailable' });
  });

  it('exits 3 with one line when the Dialogflow API cannot be reached', async () => {
    const s = await standIn([webhook(`${app.url}/`, platformCaller)]);
    const flags = [...s.flags];
    await s.close();
    const io = captureIo();
    const started = Date.now();
    const code = await main(['--agent', AGENT, '--flow', SMOKE_FLOW, '--wait', '0', ...flags], io);
    expect(code).toBe(3);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toHaveLength(1);
    expect(io.stderr[0]).toMatch(/^smoke: could not reach the Dialogflow API at 127\.0\.0\.1:\d+/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
