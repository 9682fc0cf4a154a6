// What a failed call or a webhook status means, in words: google.rpc.Code names and one-line
// descriptions of the errors the Dialogflow API returns to the tools.
import { status } from '@grpc/grpc-js';

/** google.rpc.Code names by number (google/rpc/code.proto). */
export const RPC_CODES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/** The codes the tools act on, by name. */
export const Code = {
  OK: 0,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const satisfies Partial<Record<(typeof RPC_CODES)[number], number>>;

export const codeName = (code: number | null | undefined): string =>
  RPC_CODES[code ?? 0] ?? `CODE_${code}`;

/** A failed API call, in one line that says what to check. */
export function describeApiError(error: unknown, endpoint: string): string {
  const e = error as { code?: number; details?: string; message?: string };
  const detail = (e.details || e.message || String(error)).split('\n')[0];
  switch (e.code) {
    case status.UNAVAILABLE:
      return `could not reach the Dialogflow API at ${endpoint}: ${detail}`;
    case status.UNAUTHENTICATED:
      return `the Dialogflow API at ${endpoint} refused the credentials (run gcloud auth application-default login): ${detail}`;
    case status.PERMISSION_DENIED:
      return `the credentials running this tool may not use this agent (detecting intent takes roles/dialogflow.client, reading it roles/dialogflow.reader): ${detail}`;
    case undefined:
      return `the Dialogflow API at ${endpoint} failed: ${detail}`;
    default:
      return `the Dialogflow API at ${endpoint} answered ${codeName(e.code)}: ${detail}`;
  }
}
