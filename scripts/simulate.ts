// `npm run simulate` (docs/tools.md): a local stand-in for Dialogflow calling a webhook.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JsonValue, WebhookRequest } from '../service/protocol/types';
import { CliError, UsageError, parseCli, runAsScript, cliTool } from '../lib/cli';
import {
  DEFAULT_KEY,
  LOCAL_SERVICE_AGENT,
  forwardedByCloudRun,
  generateKey,
  loadOrCreateKey,
  serviceAgentClaims,
  signJwt,
} from './localIdp';

const DEFAULT_URL = 'http://127.0.0.1:8080/';
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

/** `name=value` pairs of a repeatable flag. */
function pairs(list: string[], flag: string): [string, string][] {
  return list.map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`${flag} takes name=value, got "${pair}"`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  });
}

/** `raw` as JSON when it parses (numbers, booleans, objects), else `fallback`. */
function parseOr<T>(raw: string, fallback: T): JsonValue | T {
  try {
    return JSON.parse(raw) as JsonValue;
  } catch {
    return fallback;
  }
}

/** A request shaped like the ones CX sends for a turn on a page with a form. */
export function buildRequest(
  tag: string,
  params: Record<string, JsonValue>,
  shape: { text?: string; event?: string; page?: string } = {},
): WebhookRequest {
  const page = shape.page ?? `${FLOW}/pages/START_PAGE`;
  const [, agent = AGENT, pageId = 'START_PAGE'] = PAGE.exec(page) ?? [];
  const intentInfo = {
    lastMatchedIntent: `${agent}/intents/00000000-0000-0000-0000-000000000000`,
    displayName: 'Default Welcome Intent',
    parameters: Object.fromEntries(
      Object.entries(params).map(([k, v]) => [
        k,
        { originalValue: typeof v === 'string' ? v : JSON.stringify(v), resolvedValue: v },
      ]),
    ),
    confidence: 1,
  };
  const parameterInfo = Object.entries(params).map(([displayName, value]) => ({
    displayName,
    required: true,
    state: 'FILLED' as const,
    value,
    justCollected: true,
  }));
  return {
    detectIntentResponseId: randomUUID(),
    ...(shape.event !== undefined
      ? { triggerEvent: shape.event }
      : { text: shape.text ?? 'hello', intentInfo }),
    languageCode: 'en',
    fulfillmentInfo: { tag },
    pageInfo: {
      currentPage: page,
      displayName: SPECIAL_PAGES[pageId] ?? pageId,
      // proto3 JSON omits empty fields, as CX does for a page without a form.
      ...(parameterInfo.length ? { formInfo: { parameterInfo } } : {}),
    },
    sessionInfo: {
      session: `${agent}/sessions/sim-${randomUUID().slice(0, 8)}`,
      parameters: params,
    },
    languageInfo: { inputLanguageCode: 'en', resolvedLanguageCode: 'en', confidenceScore: 1 },
  };
}

/** Why nothing came back, in words a person can act on. */
function unreachable(error: unknown, url: string): CliError {
  const cause = (error as { cause?: Error & { code?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') {
    return new CliError(`nothing listens at ${url}; start the service (npm start) or pass --url`);
  }
  if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') {
    return new CliError(`cannot resolve the host of ${url}; check --url`);
  }
  return new CliError(`could not reach ${url}: ${cause?.message ?? (error as Error).message}`);
}

function readRequest(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read a JSON request from ${file}: ${(error as Error).message}`);
  }
}

export const main = cliTool('simulate', HELP, async (argv, io) => {
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
  const { url, file, tag, sign, platform, ...values } = parsed.values;
  if (!file && !tag) throw new UsageError('give --file request.json, or --tag to build a request');
  if (sign && platform) {
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
  if (!URL.canParse(url)) throw new UsageError(`--url takes a URL, got "${url}"`);
  const params = pairs(values.param, '--param').map(([k, v]): [string, JsonValue] => [
    k,
    parseOr(v, v),
  ]);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...Object.fromEntries(pairs(values.header, '--header')),
  };

  const request = file
    ? readRequest(file)
    : buildRequest(tag ?? '', Object.fromEntries(params), values);
  if (sign || platform) {
    const claims = serviceAgentClaims(values.audience ?? url, { email: values.email });
    // Cloud Run has checked the signature already and removes it: any key will do for it.
    const token = signJwt(sign ? loadOrCreateKey(values.key) : generateKey(), claims);
    headers.authorization = `Bearer ${platform ? forwardedByCloudRun(token) : token}`;
  }
  const started = performance.now();
  const body = JSON.stringify(request);
  const res = await fetch(url, { method: 'POST', headers, body }).catch((error: unknown) => {
    throw unreachable(error, url);
  });
  const text = await res.text();
  io.out(`${res.status} in ${(performance.now() - started).toFixed(1)} ms from ${url}`);
  const answer = parseOr(text, undefined);
  io.out(answer === undefined ? text : JSON.stringify(answer, null, 2));
  return res.status === 200 ? 0 : 1;
});

if (require.main === module) runAsScript(main);
