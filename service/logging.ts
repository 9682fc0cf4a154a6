import pino from 'pino';

export type Logger = pino.Logger;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

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

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stdout when omitted. Tests pass a stream to read them back. */
  destination?: pino.DestinationStream;
  /**
   * Write stdout synchronously, one write per line. Only for a host that exits without giving
   * the service a chance to flush (the Functions Framework); elsewhere writes are asynchronous.
   */
  sync?: boolean;
}

type Stdout = ReturnType<typeof pino.destination>;

let stampedAt = NaN;
let stamp = '';

/**
 * pino's `isoTime`, formatted once per millisecond: under load many lines share one, and building
 * a Date and its ISO string for each was a measurable part of a request's CPU.
 */
function isoTime(): string {
  const now = Date.now();
  if (now !== stampedAt) {
    stampedAt = now;
    stamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return stamp;
}

/** The asynchronous stdout each logger writes to, for flushLogs. */
const outputs = new WeakMap<Logger, Stdout>();

/**
 * Stdout without a write on the request path: a line is handed to the OS at once when nothing is
 * being written, and lines logged while a write is in flight go out together in the next one, so
 * under load they coalesce into few writes and at low traffic none waits for company
 * (`minLength: 0`). `dest: 1` rather than `process.stdout.fd`, which would create process.stdout.
 */
function stdout(sync: boolean): Stdout {
  return pino.destination({ dest: 1, sync, minLength: 0 });
}

export function createLogger({ level, destination, sync = false }: LoggerOptions): Logger {
  const output = destination ? undefined : stdout(sync);
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
      // Belt and braces: nothing should log credentials, and these paths never reach a line if it does.
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

/** How long an exit waits for its log lines; a reader that stopped reading must not hold it. */
const FLUSH_TIMEOUT_MS = 1000;

/**
 * Resolves once every line the logger has taken so far is written to stdout, or after
 * `timeoutMs`. Call it before `process.exit()`: pino's own exit hook writes what is buffered, but
 * not a write already in flight (sonic-boom's `flushSync`), and its `flush(cb)` returns at once
 * with `minLength: 0`. An empty write completes only after everything before it, and the stream
 * reports 'drain' once nothing is left: that is the flush.
 */
export function flushLogs(logger: Logger, timeoutMs = FLUSH_TIMEOUT_MS): Promise<void> {
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
