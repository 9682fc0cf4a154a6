import { createApp } from './app';
import { loadConfig } from './config';
import { composeHandlers } from './composition';
import { createLogger } from './logging';
import { logUnhandledRejections } from './process';

// Cloud Functions gen2 entry point `webhook`. The Functions Framework has already read the body
// into `req.rawBody`; the app uses those bytes instead of reading the stream again. Config errors
// throw here, at load, so a misconfigured revision never serves.
const config = loadConfig();
const logger = createLogger({ level: config.logLevel });
logUnhandledRejections(logger);

export const webhook = createApp({
  ...config,
  ...composeHandlers(),
  logger,
});
