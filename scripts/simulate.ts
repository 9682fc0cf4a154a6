// A local stand-in for Dialogflow CX: sends a complete WebhookRequest to a webhook, optionally with
// a Google-style ID token signed by a key made on this machine, and prints what came back.
//   npm run simulate -- --tag greeting --param name=Ada [--sign] [--url http://127.0.0.1:8080/]
//   npm run simulate -- --file test/fixtures/requests/dtmf.json
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { JsonValue, WebhookRequest } from '../service/protocol/types';
import { LOCAL_SERVICE_AGENT, loadOrCreateKey, serviceAgentClaims, signJwt } from './localIdp';

export const DEFAULT_URL = 'http://127.0.0.1:8080/';
export const DEFAULT_KEY = '.local/idp/key.pem';
const AGENT = 'projects/local-project/locations/global/agents/00000000-0000-4000-8000-000000000000';
const FLOW = `${AGENT}/flows/00000000-0000-0000-0000-000000000000`;

export interface SimulateOptions {
  url: string;
  file?: string;
  tag?: string;
  text?: string;
  params: Record<string, JsonValue>;
  headers: Record<string, string>;
  sign: boolean;
  key: string;
  email: string;
  audience?: string;
}

/** `name=value`: the value as JSON when it parses (numbers, booleans, objects), else a string. */
function parsePair(pair: string, flag: string): [string, string] {
  const at = pair.indexOf('=');
  if (at <= 0) throw new Error(`${flag} takes name=value, got "${pair}"`);
  return [pair.slice(0, at), pair.slice(at + 1)];
}

function jsonOrString(raw: string): JsonValue {
  try {
    return JSON.parse(raw) as JsonValue;
  } catch {
    return raw;
  }
}

export function parseOptions(argv: string[]): SimulateOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: DEFAULT_URL },
      file: { type: 'string' },
      tag: { type: 'string' },
      text: { type: 'string' },
      param: { type: 'string', multiple: true, default: [] },
      header: { type: 'string', multiple: true, default: [] },
      sign: { type: 'boolean', default: false },
      key: { type: 'string', default: DEFAULT_KEY },
      email: { type: 'string', default: LOCAL_SERVICE_AGENT },
      audience: { type: 'string' },
    },
    strict: true,
  });
  if (!values.file && !values.tag)
    throw new Error('give --file request.json, or --tag to build a request');
  const params = Object.fromEntries(
    values.param.map((p) => parsePair(p, '--param')).map(([k, v]) => [k, jsonOrString(v)]),
  );
  const headers = Object.fromEntries(values.header.map((h) => parsePair(h, '--header')));
  return { ...values, params, headers };
}

/** A request shaped like the ones CX sends for a text turn on a page with a form. */
export function buildRequest(
  tag: string,
  params: Record<string, JsonValue>,
  text = 'hello',
): WebhookRequest {
  return {
    detectIntentResponseId: randomUUID(),
    text,
    languageCode: 'en',
    fulfillmentInfo: { tag },
    intentInfo: {
      lastMatchedIntent: `${AGENT}/intents/00000000-0000-0000-0000-000000000000`,
      displayName: 'Default Welcome Intent',
      parameters: Object.fromEntries(
        Object.entries(params).map(([k, v]) => [
          k,
          { originalValue: typeof v === 'string' ? v : JSON.stringify(v), resolvedValue: v },
        ]),
      ),
      confidence: 1,
    },
    pageInfo: {
      currentPage: `${FLOW}/pages/START_PAGE`,
      displayName: 'Start Page',
      formInfo: {
        parameterInfo: Object.entries(params).map(([displayName, value]) => ({
          displayName,
          required: true,
          state: 'FILLED',
          value,
          justCollected: true,
        })),
      },
    },
    sessionInfo: {
      session: `${AGENT}/sessions/sim-${randomUUID().slice(0, 8)}`,
      parameters: params,
    },
    languageInfo: { inputLanguageCode: 'en', resolvedLanguageCode: 'en', confidenceScore: 1 },
  };
}

export interface SimulateResult {
  status: number;
  latencyMs: number;
  body: string;
}

export async function simulate(options: SimulateOptions): Promise<SimulateResult> {
  const request: unknown = options.file
    ? JSON.parse(readFileSync(options.file, 'utf8'))
    : buildRequest(options.tag ?? '', options.params, options.text);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...options.headers,
  };
  if (options.sign) {
    const key = loadOrCreateKey(options.key);
    headers.authorization = `Bearer ${signJwt(key, serviceAgentClaims(options.audience ?? options.url, { email: options.email }))}`;
  }
  const started = performance.now();
  const res = await fetch(options.url, { method: 'POST', headers, body: JSON.stringify(request) });
  const body = await res.text();
  return { status: res.status, latencyMs: performance.now() - started, body };
}

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** Runs the CLI; resolves with the exit code (0 only for a 200). */
export async function main(
  argv: string[],
  out: (line: string) => void = console.log,
): Promise<number> {
  let options: SimulateOptions;
  try {
    options = parseOptions(argv);
  } catch (error) {
    out(`simulate: ${(error as Error).message}`);
    return 2;
  }
  try {
    const result = await simulate(options);
    out(`${result.status} in ${result.latencyMs.toFixed(1)} ms from ${options.url}`);
    out(pretty(result.body));
    return result.status === 200 ? 0 : 1;
  } catch (error) {
    out(`simulate: ${(error as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
