import type { ServiceConfig } from './config';
import type { Logger } from './logging';
import { errorEvent, type ServiceContext } from './protocol/errorEvent';

/** Error Reporting's service and version for this process. */
export function serviceContextOf(
  config: Pick<ServiceConfig, 'service' | 'revision'>,
): ServiceContext {
  return { service: config.service ?? 'cx-webhook', version: config.revision };
}

/**
 * A promise a handler forgot to await must not take the process down with every other caller's
 * request: log it, as one line Error Reporting reads, and carry on.
 */
export function logUnhandledRejections(logger: Logger, context?: ServiceContext): void {
  process.on('unhandledRejection', (reason) => {
    const event = errorEvent(reason, context);
    logger.error({ ...event.fields, fault: 'unhandled promise rejection' }, event.message);
  });
}

/**
 * A throw nobody can catch (from a callback a handler scheduled) leaves the process in an unknown
 * state: log it as one JSON line, instead of Node's multi-line trace on stderr, then `then()`
 * (drain and exit non-zero, so the platform replaces the instance).
 */
export function logUncaughtExceptions(
  logger: Logger,
  context: ServiceContext | undefined,
  then: () => void,
): void {
  process.on('uncaughtException', (error) => {
    const event = errorEvent(error, context);
    logger.fatal({ ...event.fields, fault: 'uncaught exception' }, event.message);
    then();
  });
}
