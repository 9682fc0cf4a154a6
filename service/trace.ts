import type { IncomingHttpHeaders } from 'node:http';

export type TraceFields = Record<string, string | boolean>;

// The span is a decimal uint64: at most 20 digits. A longer one is ignored rather than handed to
// BigInt, which costs time in its length on every request, before authentication.
const CLOUD_TRACE = /^([0-9a-f]{32})(?:\/(\d{1,20})(?=;|$))?(?:;o=([01]))?/i;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/i;

/**
 * The fields that make Cloud Logging group a log line under the request's trace. Reads the W3C
 * `traceparent` header first, then Google's `X-Cloud-Trace-Context`. Without a project ID the
 * trace field cannot be written in the form Cloud Logging needs, so the bare trace ID is kept.
 */
export function traceFields(
  headers: IncomingHttpHeaders,
  project: string | undefined,
): TraceFields {
  let traceId: string | undefined;
  let spanId: string | undefined;
  let sampled: boolean | undefined;
  const parent = headers.traceparent;
  const cloud = headers['x-cloud-trace-context'];
  const w3c = typeof parent === 'string' ? TRACEPARENT.exec(parent) : null;
  if (w3c && !/^0+$/.test(w3c[1])) {
    [, traceId, spanId] = w3c;
    sampled = (parseInt(w3c[3], 16) & 1) === 1;
  } else if (typeof cloud === 'string') {
    const m = CLOUD_TRACE.exec(cloud);
    if (m) {
      traceId = m[1];
      // Cloud Logging wants the span as 16 hex digits; the header carries it in decimal.
      spanId = m[2] ? BigInt(m[2]).toString(16).padStart(16, '0').slice(-16) : undefined;
      sampled = m[3] === undefined ? undefined : m[3] === '1';
    }
  }
  if (!traceId) return {};
  const fields: TraceFields = project
    ? { 'logging.googleapis.com/trace': `projects/${project}/traces/${traceId.toLowerCase()}` }
    : { traceId: traceId.toLowerCase() };
  if (spanId) fields['logging.googleapis.com/spanId'] = spanId.toLowerCase();
  if (sampled !== undefined) fields['logging.googleapis.com/trace_sampled'] = sampled;
  return fields;
}
