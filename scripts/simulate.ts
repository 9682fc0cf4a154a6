// A local stand-in for Dialogflow CX: sends a complete WebhookRequest to a webhook, optionally with
// a Google-style ID token signed by a key made on this machine (or in the form Cloud Run forwards
// it), and prints what came back.
//   npm run simulate -- --tag greeting --param name=Ada [--sign | --platform] [--url …]
//   npm run simulate -- --tag cx-webhook-kit-smoke --event cx-webhook-kit-smoke --platform
//   npm run simulate -- --file test/fixtures/requests/dtmf.json
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JsonValue, WebhookRequest } from '../service/protocol/types';
import { CliError, UsageError, parseCli, runAsScript, runCli, type CliIo } from '../lib/cli';
import {
  LOCAL_SERVICE_AGENT,
  forwardedByCloudRun,
  generateKey,
  loadOrCreateKey,
  serviceAgentClaims,
  signJwt,
} from './localIdp';

export const DEFAULT_URL = 'http://127.0.0.1:8080/';
export const DEFAULT_KEY = '.local/idp/key.pem';
const AGENT = 'projects/local-project/locations/global/agents/00000000-0000-4000-8000-000000000000';
const FLOW = `${AGENT}/flows/00000000-0000-0000-0000-000000000000`;
const PAGE = /^(projects\/[^/]+\/locations\/[^/]+\/agents\/[^/]+)\/flows\/[^/]+\/pages\/([^/]+)$/;
const SPECIAL_PAGES: Record<string, string> = {
  START_PAGE: 'Start Page',
  END_FLOW: 'End Flow',
  END_SESSION: 'End Session',
};

export const HELP = `Sends a CX-shaped WebhookRequest to a webhook, the way Dialogflow would, and prints the
status, latency and answer. Exits 0 only for a 200.

usage:
  npm run simulate -- --tag <tag> [options]
  npm run simulate -- --file <request.json> [options]

  --url <url>               the webhook (default ${DEFAULT_URL})
  --tag <tag>               fulfillmentInfo.tag of a built request
  --text <text>             the end user's words (default "hello")
  --event <name>            send an event instead of text (triggerEvent), e.g. cx-webhook-kit-smoke
  --page <page>             the current page, projects/…/agents/…/flows/…/pages/<id> (default a
                            start page of a local agent)
  --param name=value        a form and session parameter (repeatable; JSON values are parsed)
  --header name=value       an extra request header (repeatable)
  --file <request.json>     send this request as it is
  --sign                    add an ID token signed with the local key (service in id-token mode)
  --platform                add the token as Cloud Run forwards it after its IAM check, signature
                            removed (service in platform mode)
  --key <path>              the local signing key for --sign (default ${DEFAULT_KEY})
  --email <email>           the token's caller (default ${LOCAL_SERVICE_AGENT})
  --audience <aud>          the token's audience (default the URL)
  -h, --help                this text`;

export interface SimulateOptions {
  url: string;
  file?: string;
  tag?: string;
  text?: string;
  event?: string;
  page?: string;
  params: Record<string, JsonValue>;
  headers: Record<string, string>;
  sign: boolean;
  platform: boolean;
  key: string;
  email: string;
  audience?: string;
}

/** `name=value`: the value as JSON when it parses (numbers, booleans, objects), else a string. */
function parsePair(pair: string, flag: string): [string, string] {
  const at = pair.indexOf('=');
  if (at <= 0) throw new UsageError(`${flag} takes name=value, got "${pair}"`);
  return [pair.slice(0, at), pair.slice(at + 1)];
}

function jsonOrString(raw: string): JsonValue {
  try {
    return JSON.parse(raw) as JsonValue;
  } catch {
    return raw;
  }
}

/** The parsed options, or undefined when `--help` was asked for. */
export function parseOptions(argv: string[]): SimulateOptions | undefined {
  const parsed = parseCli(argv, {
    url: { type: 'string', default: DEFAULT_URL },
    file: { type: 'string' },
    tag: { type: 'string' },
    text: { type: 'string' },
    event: { type: 'string' },
    page: { type: 'string' },
    param: { type: 'string', multiple: true, default: [] },
    header: { type: 'string', multiple: true, default: [] },
    sign: { type: 'boolean', default: false },
    platform: { type: 'boolean', default: false },
    key: { type: 'string', default: DEFAULT_KEY },
    email: { type: 'string', default: LOCAL_SERVICE_AGENT },
    audience: { type: 'string' },
  });
  if (!parsed) return undefined;
  const { values } = parsed;
  if (!values.file && !values.tag) {
    throw new UsageError('give --file request.json, or --tag to build a request');
  }
  if (values.sign && values.platform) {
    throw new UsageError('--sign and --platform are two ways to send a token: choose one');
  }
  if (values.event !== undefined && values.text !== undefined) {
    throw new UsageError('a request carries --text or --event, not both');
  }
  if (values.page !== undefined && !PAGE.test(values.page)) {
    throw new UsageError(
      `--page takes a page resource name, projects/…/agents/…/flows/…/pages/<id>, got "${values.page}"`,
    );
  }
  try {
    new URL(values.url);
  } catch {
    throw new UsageError(`--url takes a URL, got "${values.url}"`);
  }
  const params = Object.fromEntries(
    values.param.map((p) => parsePair(p, '--param')).map(([k, v]) => [k, jsonOrString(v)]),
  );
  const headers = Object.fromEntries(values.header.map((h) => parsePair(h, '--header')));
  return { ...values, params, headers };
}

export interface RequestShape {
  text?: string;
  /** An event name: the request carries `triggerEvent` instead of `text`. */
  event?: string;
  /** The current page's resource name. */
  page?: string;
}

/** A request shaped like the ones CX sends for a turn on a page with a form. */
export function buildRequest(
  tag: string,
  params: Record<string, JsonValue>,
  shape: RequestShape = {},
): WebhookRequest {
  const page = shape.page ?? `${FLOW}/pages/START_PAGE`;
  const [, agent = AGENT, pageId = 'START_PAGE'] = PAGE.exec(page) ?? [];
  return {
    detectIntentResponseId: randomUUID(),
    ...(shape.event !== undefined
      ? { triggerEvent: shape.event }
      : { text: shape.text ?? 'hello' }),
    languageCode: 'en',
    fulfillmentInfo: { tag },
    ...(shape.event !== undefined
      ? {}
      : {
          intentInfo: {
            lastMatchedIntent: `${agent}/intents/00000000-0000-0000-0000-000000000000`,
            displayName: 'Default Welcome Intent',
            parameters: Object.fromEntries(
              Object.entries(params).map(([k, v]) => [
                k,
                { originalValue: typeof v === 'string' ? v : JSON.stringify(v), resolvedValue: v },
              ]),
            ),
            confidence: 1,
          },
        }),
    pageInfo: {
      currentPage: page,
      displayName: SPECIAL_PAGES[pageId] ?? pageId,
      // proto3 JSON omits empty fields, as CX does for a page without a form.
      ...(Object.keys(params).length
        ? {
            formInfo: {
              parameterInfo: Object.entries(params).map(([displayName, value]) => ({
                displayName,
                required: true,
                state: 'FILLED' as const,
                value,
                justCollected: true,
              })),
            },
          }
        : {}),
    },
    sessionInfo: {
      session: `${agent}/sessions/sim-${randomUUID().slice(0, 8)}`,
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

function authorization(options: SimulateOptions): string | undefined {
  if (!options.sign && !options.platform) return undefined;
  const claims = serviceAgentClaims(options.audience ?? options.url, { email: options.email });
  // Cloud Run has checked the signature already and removes it, so any key will do for --platform.
  const token = signJwt(options.sign ? loadOrCreateKey(options.key) : generateKey(), claims);
  return `Bearer ${options.platform ? forwardedByCloudRun(token) : token}`;
}

/** Why nothing came back, in words a person can act on. */
function unreachable(error: unknown, url: string): CliError {
  const code = ((error as { cause?: { code?: string } }).cause ?? {}).code;
  if (code === 'ECONNREFUSED') {
    return new CliError(`nothing listens at ${url}; start the service (npm start) or pass --url`);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new CliError(`cannot resolve the host of ${url}; check --url`);
  }
  const reason = (error as { cause?: Error }).cause?.message ?? (error as Error).message;
  return new CliError(`could not reach ${url}: ${reason}`);
}

function readRequest(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read a JSON request from ${file}: ${(error as Error).message}`);
  }
}

export async function simulate(options: SimulateOptions): Promise<SimulateResult> {
  const request: unknown = options.file
    ? readRequest(options.file)
    : buildRequest(options.tag ?? '', options.params, options);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...options.headers,
  };
  const auth = authorization(options);
  if (auth) headers.authorization = auth;
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(options.url, { method: 'POST', headers, body: JSON.stringify(request) });
  } catch (error) {
    throw unreachable(error, options.url);
  }
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
export async function main(argv: string[], io: CliIo): Promise<number> {
  return runCli(
    'simulate',
    async () => {
      const options = parseOptions(argv);
      if (!options) {
        io.out(HELP);
        return 0;
      }
      const result = await simulate(options);
      io.out(`${result.status} in ${result.latencyMs.toFixed(1)} ms from ${options.url}`);
      io.out(pretty(result.body));
      return result.status === 200 ? 0 : 1;
    },
    io,
  );
}

if (require.main === module) runAsScript(main);
