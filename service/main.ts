import { ConfigError, loadConfig } from './config';
import { composeHandlers } from './composition';
import { createLogger, flushLogs } from './logging';
import { serve } from './server';

/** A configuration error is one plain line and exit 1: the revision must not serve. */
function orExit<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`cx-webhook: configuration error: ${error.message}`);
    process.exit(1);
  }
}

const LISTEN_ERRORS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this machine',
  EACCES: 'permission denied',
};

const config = orExit(() => loadConfig());
const { handlers, fallback, warnings } = orExit(() => composeHandlers());
const logger = createLogger({ level: config.logLevel });
for (const warning of warnings) logger.warn(warning);

serve({ ...config, handlers, fallback, logger }).listening.catch((error: NodeJS.ErrnoException) => {
  const why = LISTEN_ERRORS[error.code ?? ''] ?? error.message;
  const where = `${config.host ?? 'every interface'}:${config.port}`;
  logger.fatal({ code: error.code }, `cannot listen on ${where}: ${why}`);
  void flushLogs(logger).then(() => process.exit(1));
});
