import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpOrderStore } from '../../../service/handlers/httpOrderStore';
import { DependencyUnavailableError } from '../../../service/protocol/errors';

// The HTTP order store against a real server on loopback: not-found is "no such order"; anything
// the backend gets wrong is DependencyUnavailableError (a 503), never the caller's fault.

type Reply = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let url: string;
let reply: Reply;
const seen: { url?: string; authorization?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url, authorization: req.headers.authorization });
    reply(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

const json =
  (status: number, body: unknown): Reply =>
  (_req, res) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const lookup = (orderNumber: string, signal = new AbortController().signal) =>
  httpOrderStore({ baseUrl: url, apiKey: 'key-1' }).status(orderNumber, signal);

describe('httpOrderStore', () => {
  it('reads the status from GET <base>/orders/<number>, sending the key as a bearer token', async () => {
    reply = json(200, { status: 'shipped' });
    await expect(lookup('123456')).resolves.toBe('shipped');
    expect(seen.at(-1)).toEqual({ url: '/v1/orders/123456', authorization: 'Bearer key-1' });
  });

  it('encodes the order number as one path segment', async () => {
    reply = json(404, {});
    await lookup('../admin?x=1');
    expect(seen.at(-1)?.url).toBe('/v1/orders/..%2Fadmin%3Fx%3D1');
  });

  it('answers "no such order" for a 404', async () => {
    reply = json(404, { error: 'not found' });
    await expect(lookup('999999')).resolves.toBeUndefined();
  });

  it.each<[string, Reply, string]>([
    ['a 500', json(500, {}), 'the orders service answered 500'],
    [
      'a 401 (a wrong key is our fault, not the caller’s)',
      json(401, {}),
      'the orders service answered 401',
    ],
    [
      'a redirect',
      (_q, res) => res.writeHead(302, { location: 'https://elsewhere/' }).end(),
      'the orders service is unreachable',
    ],
    [
      'a body that is not JSON',
      (_q, res) => res.writeHead(200).end('<html>'),
      'the orders service sent an unexpected answer',
    ],
    [
      'JSON without a status',
      json(200, { state: 'shipped' }),
      'the orders service sent an unexpected answer',
    ],
    [
      'a status that is not a string',
      json(200, { status: 3 }),
      'the orders service sent an unexpected answer',
    ],
    [
      'an answer over 64 KiB',
      json(200, { status: 'x'.repeat(70 * 1024) }),
      'the orders service sent an unexpected answer',
    ],
  ])('throws DependencyUnavailableError for %s', async (_name, answer, message) => {
    reply = answer;
    const error: unknown = await lookup('123456').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect((error as Error).message).toBe(message);
  });

  it('stops waiting when the signal aborts (the request deadline)', async () => {
    reply = () => undefined; // never answers
    const controller = new AbortController();
    const pending = lookup('123456', controller.signal).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 50);
    const error = await pending;
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect((error as Error).message).toBe('the orders service did not answer in time');
  });

  it('throws DependencyUnavailableError when nothing listens', async () => {
    const closed = httpOrderStore({ baseUrl: 'http://127.0.0.1:1', apiKey: 'k' });
    await expect(closed.status('1', new AbortController().signal)).rejects.toThrow(
      'the orders service is unreachable',
    );
  });
});
