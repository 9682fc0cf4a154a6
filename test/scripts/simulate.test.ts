import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHandlers, demoOrders, fallback } from '../../service/handlers';
import {
  LOCAL_SERVICE_AGENT,
  loadOrCreateKey,
  startCertsServer,
  type CertsServer,
} from '../../scripts/localIdp';
import { buildRequest, main } from '../../scripts/simulate';
import { normalizeRequest } from '../../service/protocol/normalize';
import { SMOKE_EVENT, SMOKE_TAG } from '../../service/smoke';
import { captureIo } from '../helpers/cliIo';
import { startApp, type LiveApp } from '../helpers/liveApp';
import { protoRoundTrip } from '../helpers/proto';

// The service's public URL as Dialogflow would name it; the simulator signs for it with --audience.
const AUDIENCE = 'https://cx-webhook.local/';
const SMOKE_PAGE =
  'projects/p1/locations/eu/agents/a1/flows/5a1e0f0e-0000-4000-8000-00000000000f/pages/START_PAGE';

describe('npm run simulate', () => {
  let dir: string;
  let keyPath: string;
  let certs: CertsServer;
  let app: LiveApp;
  let platformApp: LiveApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cx-sim-'));
    keyPath = join(dir, 'idp', 'key.pem');
    certs = await startCertsServer([loadOrCreateKey(keyPath)]);
    app = await startApp({
      handlers: createHandlers({ orders: demoOrders }),
      fallback,
      env: {
        WEBHOOK_AUTH: 'id-token',
        WEBHOOK_ALLOWED_CALLERS: LOCAL_SERVICE_AGENT,
        WEBHOOK_AUDIENCE: AUDIENCE,
        WEBHOOK_ID_TOKEN_CERTS_URL: certs.url,
      },
    });
    platformApp = await startApp({
      handlers: createHandlers({ orders: demoOrders }),
      env: { WEBHOOK_AUTH: 'platform', WEBHOOK_ALLOWED_CALLERS: LOCAL_SERVICE_AGENT },
    });
  });
  afterAll(async () => {
    await app.close();
    await platformApp.close();
    await certs.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds a request that the official proto accepts as a WebhookRequest', () => {
    const request = buildRequest('greeting', { name: 'Ada', count: 2, vip: true });
    expect(protoRoundTrip('WebhookRequest', request)).toEqual(request);
    expect(normalizeRequest(request)).toEqual(request);
  });

  it('builds an event request on a given page, as the smoke flow sends it', () => {
    const request = buildRequest(SMOKE_TAG, {}, { event: SMOKE_EVENT, page: SMOKE_PAGE });
    expect(protoRoundTrip('WebhookRequest', request)).toEqual(request);
    expect(request).toMatchObject({
      triggerEvent: SMOKE_EVENT,
      fulfillmentInfo: { tag: SMOKE_TAG },
      pageInfo: { currentPage: SMOKE_PAGE, displayName: 'Start Page' },
    });
    expect(request.text).toBeUndefined();
    expect(request.intentInfo).toBeUndefined();
    expect(request.sessionInfo?.session).toMatch(
      /^projects\/p1\/locations\/eu\/agents\/a1\/sessions\//,
    );
  });

  it('keeps the local key readable by its owner only', () => {
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
  });

  it('passes id-token auth with a locally signed token and exits 0', async () => {
    const io = captureIo();
    const code = await main(
      [
        '--url',
        `${app.url}/`,
        '--tag',
        'greeting',
        '--param',
        'name=Ada',
        '--sign',
        '--key',
        keyPath,
        '--audience',
        AUDIENCE,
      ],
      io,
    );
    expect(io.stdout[0]).toMatch(/^200 in \d+\.\d ms from http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(JSON.parse(io.stdout[1])).toEqual(
      expect.objectContaining({ sessionInfo: { parameters: { greeted: true } } }),
    );
    expect(code).toBe(0);
  });

  it('with --platform sends the token as Cloud Run forwards it, which a platform service admits', async () => {
    const io = captureIo();
    const code = await main(
      [
        '--url',
        `${platformApp.url}/`,
        '--tag',
        SMOKE_TAG,
        '--event',
        SMOKE_EVENT,
        '--page',
        SMOKE_PAGE,
        '--platform',
      ],
      io,
    );
    expect(code).toBe(0);
    expect(JSON.parse(io.stdout.slice(1).join('\n'))).toMatchObject({
      payload: { cxWebhookKitSmoke: { ok: true, auth: 'platform', caller: LOCAL_SERVICE_AGENT } },
    });
  });

  it('a --platform token must not pass id-token verification: its signature is gone', async () => {
    const io = captureIo();
    const code = await main(
      ['--url', `${app.url}/`, '--tag', 'greeting', '--platform', '--audience', AUDIENCE],
      io,
    );
    expect(code).toBe(1);
    expect(io.stdout[0]).toMatch(/^401 in/);
  });

  it('exits non-zero and shows the refusal without a token', async () => {
    const io = captureIo();
    const code = await main(['--url', `${app.url}/`, '--tag', 'greeting'], io);
    expect(code).toBe(1);
    expect(io.stdout[0]).toMatch(/^401 in/);
    expect(JSON.parse(io.stdout[1])).toEqual({
      error: { status: 401, message: 'a bearer token is missing' },
    });
  });

  it('sends a request from a file', async () => {
    const io = captureIo();
    const file = join(__dirname, '..', 'fixtures', 'requests', 'dtmf.json');
    const code = await main(
      ['--url', `${app.url}/`, '--file', file, '--sign', '--key', keyPath, '--audience', AUDIENCE],
      io,
    );
    expect(code).toBe(0);
    expect(JSON.parse(io.stdout[1])).toEqual(
      expect.objectContaining({ pageInfo: expect.any(Object) }),
    );
  });

  it('says plainly when nothing listens at the URL', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    await new Promise<void>((r) => server.close(() => r()));
    const io = captureIo();
    expect(await main(['--url', url, '--tag', 'greeting'], io)).toBe(1);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toEqual([
      `simulate: nothing listens at ${url}; start the service (npm start) or pass --url`,
    ]);
  });

  it('names a request file it cannot read, without a stack trace', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ nope');
    const io = captureIo();
    expect(await main(['--file', bad], io)).toBe(1);
    expect(io.stderr).toHaveLength(1);
    expect(io.stderr[0]).toMatch(/^simulate: cannot read a JSON request from .*bad\.json: /);
  });

  it('prints its usage with --help', async () => {
    const io = captureIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.stdout[0]).toMatch(/^Sends a CX-shaped WebhookRequest/);
    expect(io.stdout[0]).toContain('--platform');
  });

  it.each([
    [['--param', 'x=1'], 'give --file request.json, or --tag to build a request'],
    [['--tag', 't', '--param', 'novalue'], '--param takes name=value, got "novalue"'],
    [
      ['--tag', 't', '--sign', '--platform'],
      '--sign and --platform are two ways to send a token: choose one',
    ],
    [
      ['--tag', 't', '--text', 'hi', '--event', 'e'],
      'a request carries --text or --event, not both',
    ],
    [
      ['--tag', 't', '--page', 'START_PAGE'],
      '--page takes a page resource name, projects/…/agents/…/flows/…/pages/<id>, got "START_PAGE"',
    ],
    [['--tag', 't', '--url', '127.0.0.1:8080'], '--url takes a URL, got "127.0.0.1:8080"'],
    [['--tag'], '--tag <value> argument missing'],
  ])('%j → exit 2: %s', async (argv, message) => {
    const io = captureIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.stderr).toEqual([`simulate: ${message} (see --help)`]);
  });
});
