// The official clients, loaded on first use: the package takes most of a second to load, which
// `--help` and usage errors should not wait for. v3 reads agents; v3beta1's Sessions is the one
// whose QueryResult names each webhook call's tag, webhook and latency (session.proto:
// webhook_tags, webhook_ids, webhook_display_names, webhook_latencies), which v3 leaves out.
import type * as dialogflow from '@google-cloud/dialogflow-cx';

export type V3 = typeof dialogflow.v3;
export type V3beta1 = typeof dialogflow.v3beta1;
export type QueryResult = dialogflow.protos.google.cloud.dialogflow.cx.v3beta1.IQueryResult;

let loaded: typeof dialogflow | undefined;
function load(): typeof dialogflow {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose, see above
  loaded ??= require('@google-cloud/dialogflow-cx') as typeof dialogflow;
  return loaded;
}

export const v3Clients = (): V3 => load().v3;
export const v3beta1Clients = (): V3beta1 => load().v3beta1;

/** A google.protobuf.Duration (seconds may arrive as a Long or a string) in milliseconds. */
export function durationMs(
  d: { seconds?: number | string | { toString(): string } | null; nanos?: number | null } | null,
): number | null {
  if (!d) return null;
  return Math.round(Number(String(d.seconds ?? 0)) * 1000 + (d.nanos ?? 0) / 1e6);
}
