import pino from 'pino';
import type { ServiceConfig } from './config';
import type { LogLevel } from './envContract';
import { logFault, type ServiceContext } from './protocol/errorEvent';

export type Logger = pino.Logger;
export type { LogLevel } from './envContract';

// Cloud Logging reads `severity` and `message` from a JSON line on stdout; pino's numeric levels
// and `msg` key would land as plain text with severity DEFAULT.
const SEVERITY: Readonly<Record<string, string>> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

let stampedAt = NaN;
let stamp = '';

/** pino's `isoTime` formatted once per ms: per line, it was a measurable share of request CPU. */
function isoTime(): string {
  const now = Date.now();
  if (now !== stampedAt) {
    stampedAt = now;
    stamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return stamp;
}

type Stdout = ReturnType<typeof pino.destination>;

/** The asynchronous stdout each logger writes to, for flushLogs. */
const outputs = new WeakMap<Logger, Stdout>();

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stdout when omitted. Tests pass a stream to read them back. */
  destination?: pino.DestinationStream;
  /** One synchronous write per line, for a host that exits with no chance to flush (Functions). */
  sync?: boolean;
}

export function createLogger({ level, destination, sync = false }: LoggerOptions): Logger {
  // Off the request path: a line goes to the OS at once when no write is in flight, and lines
  // logged meanwhile go out together in the next write (`minLength: 0`). `dest: 1` rather than
  // `process.stdout.fd`, which would create process.stdout.
  const output = destination ? undefined : pino.destination({ dest: 1, sync, minLength: 0 });
  // pino's `fatal` calls its stream's flushSync, which writes what is queued ahead of a write still
  // in flight, so a fault line could overtake the lines logged just before it. Every exit path
  // here waits for flushLogs instead, so pino gets the asynchronous stream without flushSync.
  const stream = output && !sync ? { write: (line: string) => output.write(line) } : output;
  const logger = pino(
    {
      level,
      messageKey: 'message',
      base: undefined,
      timestamp: isoTime,
      formatters: { level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT' }) },
      // Belt and braces: nothing should log credentials; if anything does, these paths are cut.
      redact: {
        paths: ['authorization', 'headers.authorization', 'token', 'password', 'secret'],
        censor: '[redacted]',
      },
    },
    destination ?? stream,
  );
  if (output && !sync) outputs.set(logger, output);
  return logger;
}

/**
 * Resolves once every line the logger has taken so far is on stdout, or after `timeoutMs` (a
 * reader that stopped reading must not hold an exit). pino's exit hook misses a write in flight
 * and its `flush(cb)` returns at once with `minLength: 0`; an empty write completes only after
 * everything before it, and the stream then reports 'drain'.
 */
export function flushLogs(logger: Logger, timeoutMs = 1000): Promise<void> {
  const output = outputs.get(logger);
  if (!output) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      output.off('drain', done);
      output.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    output.once('drain', done);
    output.once('error', done);
    try {
      output.write('');
    } catch {
      done(); // already closed: nothing is left to write
    }
  });
}

/** Error Reporting's service and version for this process. */
export function serviceContextOf(
  config: Pick<ServiceConfig, 'service' | 'revision'>,
): ServiceContext {
  return { service: config.service ?? 'cx-webhook', version: config.revision };
}

/**
 * Faults outside any request, each as one line Error Reporting reads (not Node's multi-line trace).
 * A forgotten rejection must not take every other caller's request down: logged, the process
 * serves on. A throw from a callback leaves the process in an unknown state: `onUncaught()`.
 */
export function logProcessFaults(
  logger: Logger,
  context: ServiceContext,
  onUncaught: () => void,
): void {
  process.on('unhandledRejection', (reason) => {
    logFault(logger, 'error', reason, context, { fault: 'unhandled promise rejection' });
  });
  process.on('uncaughtException', (error) => {
    logFault(logger, 'fatal', error, context, { fault: 'uncaught exception' });
    onUncaught();
  });
}
