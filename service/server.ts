import { createServer, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { createApp, type AppOptions } from './app';
import { createLogger } from './logging';
import { errorBody } from './protocol/errors';
import { drain, logUnhandledRejections } from './process';

/**
 * An HTTP server over the app. Requests Node refuses before the app sees them (headers too large,
 * malformed HTTP) get a JSON 400 like every other bad request, instead of Node's bare 431 or 400,
 * since the webhook contract has no 431.
 */
export function createWebhookServer(app: RequestListener): Server {
  const server = createServer(app);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return socket.destroy();
    // A socket closed or timed out by the peer gets no answer.
    if (error.code === 'ECONNRESET' || error.code === 'ERR_HTTP_REQUEST_TIMEOUT')
      return socket.destroy();
    const body = errorBody(400, 'malformed HTTP request');
    socket.end(
      `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

export interface ServeOptions extends AppOptions {
  /** Interface to bind; all interfaces when undefined. */
  host?: string;
}

export interface Serving {
  server: Server;
  /** Resolves with the bound address once the server listens. */
  listening: Promise<AddressInfo>;
}

/**
 * Runs the app as a process does: an HTTP server over `createApp()`, unhandled rejections logged
 * instead of fatal, and on SIGTERM a drain of in-flight requests followed by exit 0.
 */
export function serve(options: ServeOptions): Serving {
  const logger = options.logger ?? createLogger({ level: options.logLevel });
  logUnhandledRejections(logger);
  const server = createWebhookServer(createApp({ ...options, logger }));
  const listening = new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      const address = server.address() as AddressInfo;
      logger.info(
        { port: address.port, auth: options.auth, timeoutMs: options.timeoutMs },
        'cx-webhook listening',
      );
      resolve(address);
    });
  });
  process.once('SIGTERM', () => {
    logger.info('SIGTERM: draining in-flight requests');
    void drain(server).then(() => {
      logger.info('drained; exiting');
      process.exit(0);
    });
  });
  return { server, listening };
}
