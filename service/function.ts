import type { ServerResponse } from 'node:http';
import { createApp, forFunctionsFramework } from './app';
import { composeHandlers } from './composition';
import { loadConfig } from './config';
import { contextOf } from './http/request';
import { sendError } from './http/respond';
import { createLogger, logProcessFaults, serviceContextOf } from './logging';

// Cloud Functions gen2 entry point `webhook`, run by the Functions Framework: the same app as
// `serve()` serves. The framework has already read the body into `req.rawBody`; the app uses those
// bytes instead of reading the stream again. Config errors throw here, at load, so a misconfigured
// revision never serves.
const config = loadConfig();
const { handlers, fallback, warnings } = composeHandlers();
// Synchronous writes: the framework exits the process at once on SIGTERM and on a fault, with no
// chance to wait for an asynchronous write in flight.
const logger = createLogger({ level: config.logLevel, sync: true });
for (const warning of warnings) logger.warn(warning);

// Outside any request, the framework ends the instance on an unhandled rejection or an uncaught
// exception (exit 16) and prints a multi-line trace; these leave one JSON line, in Error
// Reporting's form, first.
const context = serviceContextOf(config);
logProcessFaults(logger, context, () => undefined);

const app = forFunctionsFramework(
  createApp({ ...config, handlers, fallback, logger }),
  logger,
  context,
);
const inFlight = new Set<ServerResponse>();

export const webhook: typeof app = (req, res) => {
  inFlight.add(res);
  res.once('close', () => inFlight.delete(res));
  app(req, res);
};

// On SIGTERM the framework exits at once, writing a 500 over the latest request. There is no
// drain to be had; what can be done is answering every request still running with a 503 (which
// CX may retry elsewhere) before it does, synchronously, since nothing runs after its exit.
process.on('SIGTERM', () => {
  const reason = 'the instance is shutting down';
  for (const res of inFlight) {
    if (res.headersSent) continue;
    res.setHeader('connection', 'close');
    sendError(res.req, res, 503, reason);
    const latencyMs = Date.now() - contextOf(res.req).receivedAt;
    logger.error({ status: 503, latencyMs, reason }, 'webhook request failed');
  }
});
