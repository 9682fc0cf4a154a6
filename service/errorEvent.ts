// Error Reporting groups an error from a log line when its JSON payload carries this @type and the
// stack trace in `message` (cloud.google.com/error-reporting/docs/formatting-error-messages, "Log
// a ReportedErrorEvent"). With the @type set, the entry is captured whatever else it holds.
export const REPORTED_ERROR_EVENT =
  'type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent';

/** Which service and version an error belongs to, as Error Reporting groups them. */
export interface ServiceContext {
  readonly service: string;
  readonly version: string;
}

export interface ErrorEvent {
  /** Fields for the log line, next to any of the caller's own. */
  readonly fields: { '@type': string; serviceContext?: ServiceContext };
  /** The line's message: the stack trace, which Error Reporting parses. */
  readonly message: string;
}

/** An error as Error Reporting reads it from a log line. */
export function errorEvent(error: unknown, serviceContext?: ServiceContext): ErrorEvent {
  const message =
    error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return {
    fields: serviceContext
      ? { '@type': REPORTED_ERROR_EVENT, serviceContext }
      : { '@type': REPORTED_ERROR_EVENT },
    message,
  };
}
