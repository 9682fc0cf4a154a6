import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../service/app';
import { loadConfig } from '../../service/config';
import type { WebhookHandler } from '../../service/protocol/handler';
import { drain } from '../../service/process';
import { reply } from '../../service/responses';
import { createWebhookServer } from '../../service/server';
import { memoryLogger } from '../helpers/liveApp';

const slow: WebhookHandler = () =>
  new Promise((resolve) => setTimeout(() => resolve(reply().text('slow').build()), 200));

describe('drain', () => {
  it('still answers a keep-alive caller that sends its next request mid-drain, closing the connection', async () => {
    const server = createWebhookServer(
      createApp({ ...loadConfig({}), handlers: { slow }, logger: memoryLogger().logger }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    let text = '';
    const ended = new Promise<void>((resolve) => socket.on('end', resolve));
    const received = (count: number) =>
      new Promise<void>((resolve) => {
        const check = () =>
          (text.match(/^HTTP\/1\.1 /gm)?.length ?? 0) >= count && text.endsWith('}') && resolve();
        socket.on('data', (d: Buffer) => {
          text += d.toString();
          check();
        });
      });

    const body = JSON.stringify({ fulfillmentInfo: { tag: 'slow' } });
    const first = received(1);
    socket.write(
      `POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
    );
    await new Promise((r) => setTimeout(r, 50));
    // The drain starts while the first request is in flight on this connection.
    const drained = drain(server, 5000);
    await first;
    // The caller reuses its connection; the probe is answered synchronously by the app.
    socket.write('GET /health HTTP/1.1\r\nhost: x\r\n\r\n');
    await ended;
    await drained;

    const responses = text.split(/(?=HTTP\/1\.1 \d{3})/);
    expect(responses.map((r) => r.slice(0, 15))).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(responses[1]).toMatch(/^connection: close/im);
    expect(responses[1]).toContain('{"status":"ok"}');
    expect(server.listening).toBe(false);
  });
});
