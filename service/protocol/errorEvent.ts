import { clip } from './clip';
import type { Logger } from './handler';

// Error Reporting groups an error from a log line when its JSON payload carries this @type and the
// stack trace in `message` (cloud.google.com/error-reporting/docs/formatting-error-messages, "Log
// a ReportedErrorEvent"). With the @type set, the entry is captured whatever else it holds.
const REPORTED_ERROR_EVENT =
  'type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent';

/** Which service and version an error belongs to, as Error Reporting groups them. */
export interface ServiceContext {
  readonly service: string;
  readonly version: string;
}

/**
 * An error's message can carry anything (a whole upstream answer), and Cloud Logging drops an entry
 * over 256 KB: the line keeps at most this many characters of it, well inside even when escaped.
 */
const MAX_MESSAGE = 32 * 1024;

/**
 * The stack cut to MAX_MESSAGE characters: the start of the message, then the top frames, which
 * Error Reporting groups by.
 */
function clipStack(stack: string): string {
  if (stack.length <= MAX_MESSAGE) return stack;
  // Where a V8 stack's frames start, after the error's (possibly multi-line) message.
  const at = stack.indexOf('\n    at ');
  if (at === -1) return clip(stack, MAX_MESSAGE) as string;
  const frames = clip(stack.slice(at), MAX_MESSAGE / 2) as string;
  return `${clip(stack.slice(0, at), MAX_MESSAGE - frames.length)}${frames}`;
}

/** Runs `read`; undefined if it throws or gives anything but a non-empty string. */
function attempt(read: () => unknown): string | undefined {
  try {
    const value = read();
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Text for any thrown or rejected value, never throwing: a handler may throw a null-prototype
 * object, a revoked Proxy, something whose `toString` or `stack` throws.
 */
function describeFault(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    const error = value as Error;
    const text =
      attempt(() => error.stack) ??
      attempt(() => (typeof error.message === 'string' ? `${error.name}: ${error.message}` : ''));
    if (text) return text;
  }
  return (
    attempt(() => String(value)) ??
    attempt(() => `a thrown ${Object.prototype.toString.call(value)}`) ??
    'a thrown value that cannot be described'
  );
}

/**
 * Logs `error` as Error Reporting reads it, at `level`, bounded whatever the value: the event's
 * fields, then `fields` (what the fault was, which request), with the stack trace as the message.
 */
export function logFault(
  log: Logger,
  level: 'error' | 'fatal',
  error: unknown,
  serviceContext: ServiceContext | undefined,
  fields: Readonly<Record<string, unknown>>,
): void {
  log[level](
    { '@type': REPORTED_ERROR_EVENT, ...(serviceContext && { serviceContext }), ...fields },
    clipStack(describeFault(error)),
  );
}

/** `value instanceof type`, false where asking throws (a revoked Proxy). */
export function isInstance<T>(
  value: unknown,
  type: abstract new (...args: never[]) => T,
): value is T {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}
