import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppOptions } from './app';
import { createLogger } from './logging';
import { drain, logUnhandledRejections } from './process';

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
  const server = createServer(createApp({ ...options, logger }));
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
