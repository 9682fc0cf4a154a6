// How the tools that talk to Dialogflow reach it: the regional API endpoint of an agent (or
// `--api-endpoint host:port` / `--insecure` for a local stand-in of the API), credentials, the
// official clients, sessions, and what a failed call or a turn's webhook calls mean, in words.
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type * as dialogflow from '@google-cloud/dialogflow-cx';
import { GoogleAuth } from 'google-auth-library';
import { CliError, UsageError } from '../../lib/cli';
import { fromStruct } from './struct';

/** The help lines of the endpoint's flags, and of `--help`, which end each tool's list. */
export const ENDPOINT_HELP = `  --api-endpoint host:port  talk to this endpoint instead of the agent's regional one
  --insecure                without TLS or credentials (only with --api-endpoint; for a local
                            stand-in of the API)
  -h, --help                this text`;

type EndpointFlags = { host?: string; port?: number; insecure: boolean };

export function parseEndpointFlags(values: {
  'api-endpoint'?: string;
  insecure?: boolean;
}): EndpointFlags {
  const raw = values['api-endpoint'];
  const insecure = values.insecure === true;
  if (raw === undefined) {
    // Plaintext to Google's endpoint would send credentials in the clear; refuse the combination.
    if (insecure) throw new UsageError('--insecure needs --api-endpoint host:port');
    return { insecure };
  }
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(raw);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) {
    throw new UsageError(`--api-endpoint takes host:port, got "${raw}"`);
  }
  return { host: match[1], port, insecure };
}

/** Checks a full agent resource name and returns its location. */
export function agentLocation(agent: string): string {
  const match = /^projects\/[^/\s]+\/locations\/([^/\s]+)\/agents\/[^/\s]+$/.exec(agent);
  if (!match) {
    throw new UsageError(
      `an agent is named projects/<project>/locations/<location>/agents/<id>, got "${agent}"`,
    );
  }
  return match[1];
}

/** Checks that `name` is a `<kind>/<id>` child of `agent`, e.g. a flow or a webhook. */
export function requireChildOf(agent: string, kind: string, name: string, flag: string): string {
  const prefix = `${agent}/${kind}/`;
  if (!name.startsWith(prefix) || !/^[^/\s]+$/.test(name.slice(prefix.length))) {
    throw new UsageError(`${flag} must name a ${kind.slice(0, -1)} of ${agent}, got "${name}"`);
  }
  return name;
}

/**
 * The API host for an agent's location. Agents outside `global` (regions, and the multi-regions
 * `us` and `eu`) are served only by `<location>-dialogflow.googleapis.com`
 * (cloud.google.com/dialogflow/cx/docs/concept/region).
 */
export const regionalEndpoint = (location: string): string =>
  location === 'global' ? 'dialogflow.googleapis.com' : `${location}-dialogflow.googleapis.com`;

/** Options for any `@google-cloud/dialogflow-cx` client that will work on `agent`. */
export type DialogflowClientOptions = ReturnType<typeof clientOptions>;

export function clientOptions(agent: string, flags: EndpointFlags) {
  if (flags.host === undefined) return { apiEndpoint: regionalEndpoint(agentLocation(agent)) };
  if (!flags.insecure) return { apiEndpoint: flags.host, port: flags.port };
  return {
    apiEndpoint: flags.host,
    port: flags.port,
    sslCreds: grpc.credentials.createInsecure(),
    // Without a universe domain google-gax asks the auth library for one, which probes the GCE
    // metadata server (169.254.169.254) when no credentials are configured. A local endpoint
    // needs no credentials, so nothing should leave this machine.
    universeDomain: 'googleapis.com',
  };
}

/**
 * Fails in one line, exit 3, when no Application Default Credentials can be had. The official
 * clients look for them only inside their stub set-up, whose rejection a tool cannot catch: the
 * process would end with a stack trace. A local stand-in (`--insecure`) needs none.
 */
export async function requireCredentials(options: DialogflowClientOptions): Promise<void> {
  if (options.sslCreds) return;
  try {
    await new GoogleAuth({ scopes: 'https://www.googleapis.com/auth/cloud-platform' }).getClient();
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split(/\.\s|\n/)[0];
    throw new CliError(
      `no Google credentials (${reason}); get them with gcloud auth application-default login`,
      3,
    );
  }
}

/**
 * Per-call options. The generated clients retry UNAVAILABLE for up to 220 s (DetectIntent) or 60 s
 * (list calls), so a wrong endpoint would hang a tool for minutes and then report a wrapped
 * DEADLINE_EXCEEDED. These tools fail at once with the real error instead; the smoke's own
 * `--wait` handles what is worth waiting for. A webhook call may take twice its timeout of at most
 * 30 s (one retry), so 90 s leaves room for a detectIntent that waits on it.
 */
export const CALL_OPTIONS = { timeout: 90_000, retry: null };

/** Where the endpoint is, for messages: `host:port` or the regional host. */
export const describeEndpoint = (options: DialogflowClientOptions): string =>
  options.port ? `${options.apiEndpoint}:${options.port}` : options.apiEndpoint;

/** A google.rpc.Code by name (google/rpc/code.proto, as grpc-js numbers it). */
export const codeName = (code: number | null | undefined): string =>
  grpc.status[code ?? 0] ?? `CODE_${code}`;

/** A failed API call, in one line that says what to check. */
export function describeApiError(error: unknown, options: DialogflowClientOptions): string {
  const endpoint = describeEndpoint(options);
  const e = error as { code?: number; details?: string; message?: string };
  const detail = (e.details || e.message || String(error)).split('\n')[0];
  switch (e.code) {
    case grpc.status.UNAVAILABLE:
      return `could not reach the Dialogflow API at ${endpoint}: ${detail}`;
    case grpc.status.UNAUTHENTICATED:
      return `the Dialogflow API at ${endpoint} refused the credentials (run gcloud auth application-default login): ${detail}`;
    case grpc.status.PERMISSION_DENIED:
      return `the credentials running this tool may not use this agent (detecting intent takes roles/dialogflow.client, reading it roles/dialogflow.reader): ${detail}`;
    case undefined:
      return `the Dialogflow API at ${endpoint} failed: ${detail}`;
    default:
      return `the Dialogflow API at ${endpoint} answered ${codeName(e.code)}: ${detail}`;
  }
}

// The official clients, loaded on first use: the package takes most of a second to load, which
// `--help` and usage errors should not wait for. v3 reads agents; v3beta1's Sessions is the one
// whose QueryResult names each webhook call's tag, webhook and latency (session.proto:
// webhook_tags, webhook_ids, webhook_display_names, webhook_latencies), which v3 leaves out.
const load = () =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred, see above
  require('@google-cloud/dialogflow-cx') as typeof dialogflow;
export const v3Clients = () => load().v3;
export const v3beta1Clients = () => load().v3beta1;
export type QueryResult = dialogflow.protos.google.cloud.dialogflow.cx.v3beta1.IQueryResult;

/** Each webhook call of a turn, in call order, as the v3beta1 QueryResult reports it. */
export function webhookCalls(r: QueryResult) {
  return (r.webhookStatuses ?? []).map((status, i) => {
    // A google.protobuf.Duration; its seconds may arrive as a Long or a string.
    const d = r.webhookLatencies?.[i];
    const code: grpc.status = status.code ?? 0;
    return {
      tag: r.webhookTags?.[i] || null,
      code,
      message: status.message ?? '',
      latencyMs: d
        ? Math.round(Number(String(d.seconds ?? 0)) * 1000 + (d.nanos ?? 0) / 1e6)
        : null,
      webhook: r.webhookDisplayNames?.[i] || r.webhookIds?.[i] || null,
      payload: fromStruct(r.webhookPayloads?.[i]),
    };
  });
}

/** A webhook call's status in a tool's output: its code's name and the latency if reported. */
export const callStatus = (call: { code: number | null; latencyMs: number | null }): string =>
  `${codeName(call.code)}${call.latencyMs === null ? '' : ` in ${call.latencyMs} ms`}`;

// session.proto (DetectIntentRequest.session, v3 and v3beta1): "The length of the Session ID must
// not exceed 36 characters."
export const SESSION_ID_MAX_LENGTH = 36;

/**
 * `<agent>/sessions/<prefix>-<random hex>`, the ID exactly 36 characters long: the prefix says in
 * the service's logs which tool opened the session, the rest makes it a fresh one.
 */
export function newSession(agent: string, prefix: string): string {
  const random = SESSION_ID_MAX_LENGTH - prefix.length - 1;
  // At least 96 random bits, so two runs never share a session.
  if (random < 24) throw new Error(`session prefix "${prefix}" leaves too little room`);
  const hex = randomBytes(random).toString('hex').slice(0, random);
  return `${agent}/sessions/${prefix}-${hex}`;
}
