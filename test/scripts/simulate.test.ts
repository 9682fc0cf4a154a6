import { mkdtempSync, rmSync, statSync } from 'node:fs';
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
import { startApp, type LiveApp } from '../helpers/liveApp';
import { protoRoundTrip } from '../helpers/proto';

// The service's public URL as Dialogflow would name it; the simulator signs for it with --audience.
const AUDIENCE = 'https://cx-webhook.local/';

describe('npm run simulate', () => {
  let dir: string;
  let keyPath: string;
  let certs: CertsServer;
  let app: LiveApp;

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
  });
  afterAll(async () => {
    await app.close();
    await certs.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds a request that the official proto accepts as a WebhookRequest', () => {
    const request = buildRequest('greeting', { name: 'Ada', count: 2, vip: true });
    expect(protoRoundTrip('WebhookRequest', request)).toEqual(request);
    expect(normalizeRequest(request)).toEqual(request);
  });

  it('keeps the local key readable by its owner only', () => {
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
  });

  it('passes id-token auth with a locally signed token and exits 0', async () => {
    const lines: string[] = [];
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
      (l) => lines.push(l),
    );
    expect(lines[0]).toMatch(/^200 in \d+\.\d ms from http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(JSON.parse(lines[1])).toEqual(
      expect.objectContaining({ sessionInfo: { parameters: { greeted: true } } }),
    );
    expect(code).toBe(0);
  });

  it('exits non-zero and shows the refusal without a token', async () => {
    const lines: string[] = [];
    const code = await main(['--url', `${app.url}/`, '--tag', 'greeting'], (l) => lines.push(l));
    expect(code).toBe(1);
    expect(lines[0]).toMatch(/^401 in/);
    expect(JSON.parse(lines[1])).toEqual({
      error: { status: 401, message: 'a bearer token is missing' },
    });
  });

  it('sends a request from a file', async () => {
    const lines: string[] = [];
    const file = join(__dirname, '..', 'fixtures', 'requests', 'dtmf.json');
    const code = await main(
      ['--url', `${app.url}/`, '--file', file, '--sign', '--key', keyPath, '--audience', AUDIENCE],
      (l) => lines.push(l),
    );
    expect(code).toBe(0);
    expect(JSON.parse(lines[1])).toEqual(expect.objectContaining({ pageInfo: expect.any(Object) }));
  });

  it('explains bad flags with exit code 2', async () => {
    const lines: string[] = [];
    expect(await main(['--param', 'x=1'], (l) => lines.push(l))).toBe(2);
    expect(lines[0]).toContain('give --file request.json, or --tag');
    expect(await main(['--tag', 't', '--param', 'novalue'], (l) => lines.push(l))).toBe(2);
    expect(lines[1]).toContain('--param takes name=value');
  });
});
