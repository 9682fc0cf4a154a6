import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// What the tests of service/function.ts share: the service's environment, a CX request, and a
// stand-in orders API on loopback.

export const SECRET = { 'x-webhook-secret': 'letmein' };
export const ENV = {
  WEBHOOK_AUTH: 'header',
  WEBHOOK_HEADER_NAME: 'x-webhook-secret',
  WEBHOOK_HEADER_VALUE: 'letmein',
  WEBHOOK_TIMEOUT_MS: '2000',
  LOG_LEVEL: 'error',
};
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const post = (url: string, body: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...SECRET, ...headers },
    body,
  });

/** A stand-in orders API on loopback: 777777 (not in the demo data) is delivered; 999999 hangs. */
export async function ordersApi() {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== 'Bearer orders-key') return res.writeHead(401).end();
    if (req.url === '/orders/777777') {
      return res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"status":"delivered"}');
    }
    if (req.url === '/orders/999999') return; // hangs
    res.writeHead(404).end();
  });
  await listen(server);
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export const orderRequest = (orderNumber: string) =>
  JSON.stringify({
    fulfillmentInfo: { tag: 'order-status' },
    sessionInfo: { parameters: { order_number: orderNumber } },
  });
