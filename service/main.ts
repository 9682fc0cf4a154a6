import { createServer } from 'node:http';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { createHandlers, demoOrders, fallback } from './handlers';
import { createLogger } from './logging';
import { drain, logUnhandledRejections } from './process';

function main(): void {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`cx-webhook: configuration error: ${error.message}`);
    process.exit(1);
  }
  const logger = createLogger({ level: config.logLevel });
  logUnhandledRejections(logger);

  const app = createApp({
    ...config,
    handlers: createHandlers({ orders: demoOrders }),
    fallback,
    logger,
  });
  const server = createServer(app);
  // Deployed (K_SERVICE set) the platform routes to every interface; locally, stay on loopback.
  const host = process.env.K_SERVICE ? undefined : '127.0.0.1';
  server.listen(config.port, host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info({ port, auth: config.auth, timeoutMs: config.timeoutMs }, 'cx-webhook listening');
  });

  process.once('SIGTERM', () => {
    logger.info('SIGTERM: draining');
    void drain(server).then(() => {
      logger.info('drained; exiting');
      process.exit(0);
    });
  });
}

main();
