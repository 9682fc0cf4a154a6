import express from 'express';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixtureText } from '../helpers/fixtures';

// The Functions Framework parses the body with body-parser and keeps the bytes in req.rawBody before
// it calls the function; this host does the same, so the stream is already consumed.
function functionsFrameworkLike(fn: express.RequestHandler): express.Express {
  const host = express();
  const keepRaw = (req: IncomingMessage, _res: unknown, buf: Buffer) => {
    (req as IncomingMessage & { rawBody: Buffer }).rawBody = buf;
  };
  host.use(express.json({ limit: '32mb', verify: keepRaw }));
  host.use(express.text({ limit: '32mb', type: '*/*', verify: keepRaw }));
  host.all('/{*path}', fn);
  return host;
}

describe('service/function.ts (Cloud Functions gen2 entry `webhook`)', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { WEBHOOK_AUTH: 'none', LOG_LEVEL: 'error' });
    let webhook: express.RequestHandler | undefined;
    jest.isolateModules(() => {
      webhook = (require('../../service/function') as { webhook: express.RequestHandler }).webhook;
    });
    process.env = saved;
    server = createServer(functionsFrameworkLike(webhook as express.RequestHandler));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  it('answers a CX request from the bytes the framework already read', async () => {
    const res = await fetch(`${url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: fixtureText('text-form.snake'),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sessionInfo: { parameters: { order_number: '123456' } } });
  });

  it('still refuses a wrong content type', async () => {
    const res = await fetch(`${url}/`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(res.status).toBe(400);
  });

  it('serves /health', async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});
