// What a handler test needs, without a server: a request as Dialogflow sends it, a context with a
// signal and a logger, and a runner that checks the answer as the service does and against the
// official WebhookResponse proto. For tests only: the protos come from @google-cloud/dialogflow-cx,
// a devDependency, and no deployed bundle holds this file (test/service/testing.test.ts).
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import * as protobuf from 'protobufjs';
import { fromProto3JSON, toProto3JSON } from 'proto3-json-serializer';
import { createLogger, type LogLevel } from './logging';
import { MAX_RESPONSE_BYTES } from './protocol/core';
import { budgetMs, Deadline } from './protocol/deadline';
import { WebhookError } from './protocol/errors';
import type { Caller, HandlerContext, WebhookHandler } from './protocol/handler';
import { normalizeRequest, SchemaError } from './protocol/normalize';
import type { WebhookRequest, WebhookResponse } from './protocol/types';
import { validateResponse } from './protocol/validate';

/** The agent, session and page a test request comes from. */
export const TEST_AGENT =
  'projects/test-project/locations/global/agents/00000000-0000-0000-0000-00000000a9e7';
export const TEST_SESSION = `${TEST_AGENT}/sessions/test-session`;
export const TEST_PAGE = `${TEST_AGENT}/flows/00000000-0000-0000-0000-000000000000/pages/START_PAGE`;

export type TestRequestInit = Record<string, unknown> & {
  /** `fulfillmentInfo.tag`: which handler the agent calls. */
  tag?: string;
  /** `sessionInfo.parameters`, exactly as CX would send them (map keys are data). */
  parameters?: Record<string, unknown>;
};

/**
 * A WebhookRequest as the handler receives it: a session on a start page, in English, with the
 * tag and parameters given, and any other field as Dialogflow sends it (camelCase or snake_case).
 * It goes through the service's own request check, so a request the service would refuse with 400
 * throws that error here instead of reaching the handler.
 */
export function webhookRequest(init: TestRequestInit = {}): WebhookRequest {
  const { tag, parameters, ...rest } = init;
  // The fields as given, in camelCase, first: the defaults below must not meet a snake_case twin.
  const fields = normalizeRequest(JSON.parse(JSON.stringify(rest)));
  return normalizeRequest({
    detectIntentResponseId: 'test-response-id',
    languageCode: 'en',
    pageInfo: { currentPage: TEST_PAGE, displayName: 'Start Page' },
    ...fields,
    sessionInfo: {
      session: TEST_SESSION,
      ...fields.sessionInfo,
      ...(parameters === undefined ? {} : { parameters: JSON.parse(JSON.stringify(parameters)) }),
    },
    ...(tag === undefined ? {} : { fulfillmentInfo: { ...fields.fulfillmentInfo, tag } }),
  });
}

export interface TestContextOptions {
  /** The CX webhook timeout the deadline derives from, as `WEBHOOK_TIMEOUT_MS`; 5000 by default. */
  timeoutMs?: number;
  /** Who authenticated; an unauthenticated local caller by default. */
  caller?: Caller;
  /** The lowest level `logs()` keeps; debug by default. */
  level?: LogLevel;
}

/** A HandlerContext, plus what a test needs to see and steer. */
export interface TestContext extends HandlerContext {
  /** Every line the handler logged through `ctx.log`, parsed. */
  logs(): Record<string, unknown>[];
  /** Fires `ctx.signal` now, as the service does at the deadline. */
  expire(): void;
}

/** A context like the service's: a deadline from now, its signal, and a logger to read back. */
export function handlerContext(options: TestContextOptions = {}): TestContext {
  const lines: string[] = []; // pino writes each line whole
  const sink = { write: (line: string) => lines.push(line) };
  const controller = new AbortController();
  return {
    signal: controller.signal,
    deadline: Date.now() + budgetMs(options.timeoutMs ?? 5000),
    log: createLogger({ level: options.level ?? 'debug', destination: sink }),
    caller: options.caller ?? { strategies: ['none'] },
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    expire: () => controller.abort(new WebhookError(503, 'the request deadline passed')),
  };
}

/**
 * Runs a handler as the service does, bounded by the context's deadline (past it, `ctx.signal`
 * fires and the run fails as the service would answer 503), and returns its answer once
 * checkResponse passes it. What the handler throws, the run rejects with.
 */
export async function runHandler(
  handler: WebhookHandler,
  request: WebhookRequest,
  ctx: TestContext = handlerContext(),
): Promise<WebhookResponse> {
  const deadline = new Deadline(ctx.deadline);
  let late = false;
  deadline.onStop(() => {
    late = true;
    ctx.expire();
  });
  try {
    // A promise wrapper turns a synchronous throw into a rejection, as in the service.
    const answer = new Promise<WebhookResponse>((resolve) => resolve(handler(request, ctx)));
    return checkResponse(await deadline.within(answer, 'while waiting for the handler'));
  } catch (error) {
    if (!late) throw error;
    throw new Error('the handler did not answer before the deadline: the service answers 503');
  } finally {
    deadline.dispose();
  }
}

/**
 * The answer as the service sends it (camelCase), once it passes what the service checks (the
 * WebhookResponse fields and CX's rules, at most 64 KiB) and survives the official proto
 * unchanged. Throws an Error saying why the service would answer 500 instead.
 */
export function checkResponse(answer: unknown): WebhookResponse {
  let checked: WebhookResponse;
  try {
    checked = validateResponse(answer);
  } catch (error) {
    if (!(error instanceof SchemaError)) throw error;
    throw new Error(`the service would answer 500: ${error.message}`);
  }
  const body = JSON.stringify(checked);
  const bytes = Buffer.byteLength(body);
  if (bytes > MAX_RESPONSE_BYTES) {
    throw new Error(`the service would answer 500: the response is ${bytes} bytes, over 64 KiB`);
  }
  const json: unknown = JSON.parse(body);
  const difference = protoDifference(json);
  if (difference)
    throw new Error(`the WebhookResponse proto does not take it as is: ${difference}`);
  return checked;
}

let webhookResponseType: protobuf.Type | undefined;

/**
 * What the official WebhookResponse proto changes in `json`: proto3-json-serializer drops unknown
 * fields and coerces types without a word, so the check is a round trip that must come back equal.
 */
function protoDifference(json: unknown): string | undefined {
  webhookResponseType ??= protobuf.Root.fromJSON(
    JSON.parse(
      readFileSync(require.resolve('@google-cloud/dialogflow-cx/build/protos/protos.json'), 'utf8'),
    ) as protobuf.INamespace,
  ).lookupType('google.cloud.dialogflow.cx.v3.WebhookResponse');
  const message = fromProto3JSON(webhookResponseType, json as never);
  if (!message) return 'it is not a message';
  const problem = webhookResponseType.verify(message);
  if (problem) return problem;
  const back = toProto3JSON(message);
  return isDeepStrictEqual(back, json)
    ? undefined
    : `${JSON.stringify(json)} came back as ${JSON.stringify(back)}`;
}
