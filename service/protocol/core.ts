import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '../logging';
import { SMOKE_TAG } from '../smoke';
import { traceFields } from '../trace';
import { checkContentType, parseJson } from './body';
import { runWithDeadline, safetyMarginMs } from './deadline';
import { errorBody, WebhookError, type ErrorStatus } from './errors';
import type { Caller, WebhookHandler } from './handler';
import { normalizeRequest, SchemaError } from './normalize';
import type { WebhookRequest } from './types';
import { validateResponse } from './validate';

/** Dialogflow refuses a WebhookResponse larger than 64 KiB. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

/** Checks the caller's credentials; throws a WebhookError (401, 403, 503) to refuse. */
export type Authenticate = (headers: IncomingHttpHeaders) => Promise<Caller>;

export interface CoreOptions {
  readonly handlers: Readonly<Record<string, WebhookHandler>>;
  readonly fallback?: WebhookHandler;
  readonly timeoutMs: number;
  readonly authenticate: Authenticate;
  readonly logger: Logger;
  readonly project?: string;
  /** Answers the reserved smoke tag, ahead of every handler and the fallback. */
  readonly smoke?: WebhookHandler;
}

export interface CoreRequest {
  readonly headers: IncomingHttpHeaders;
  /** The raw body; a rejected promise (e.g. over the size cap) becomes its error status. */
  readonly body: Buffer | Promise<Buffer>;
  /** Epoch ms when the request arrived; the deadline counts from here. */
  readonly receivedAt: number;
}

export interface CoreResult {
  readonly status: 200 | ErrorStatus;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** What the per-request log line carries besides status and latency. */
interface RequestFacts {
  detectIntentResponseId?: string;
  tag?: string;
  session?: string;
  caller?: string;
  /** Why a request was refused or failed: safe to log, never a credential. */
  reason?: string;
}

const sessionId = (session: string | undefined) => session?.slice(session.lastIndexOf('/') + 1);

/**
 * The protocol core: raw body and headers in, status and body out. It knows nothing of Express,
 * so the Express app, the Cloud Functions entry and the tests all share it.
 */
export function createWebhookCore(options: CoreOptions) {
  const { handlers, fallback, timeoutMs, authenticate, logger, project, smoke } = options;
  const budgetMs = timeoutMs - safetyMarginMs(timeoutMs);

  async function serve(req: CoreRequest, facts: RequestFacts, log: Logger): Promise<string> {
    // The body first: a refusal before it would leave a failed read (over the cap) unobserved.
    const raw = await req.body;
    checkContentType(req.headers['content-type']);
    const caller = await authenticate(req.headers);
    facts.caller = caller.email;
    const request: WebhookRequest = normalizeRequest(parseJson(raw));
    facts.detectIntentResponseId = request.detectIntentResponseId;
    facts.tag = request.fulfillmentInfo?.tag;
    facts.session = sessionId(request.sessionInfo?.session);

    const tag = facts.tag;
    const handler =
      tag === SMOKE_TAG && smoke
        ? smoke
        : ((tag !== undefined && Object.hasOwn(handlers, tag) ? handlers[tag] : undefined) ??
          fallback);
    if (!handler) {
      throw new WebhookError(404, tag ? `no handler for tag "${tag}"` : 'the request has no tag');
    }

    const deadline = req.receivedAt + budgetMs;
    const response = await runWithDeadline(
      (signal) =>
        handler(request, {
          get signal() {
            return signal();
          },
          deadline,
          log,
          caller,
        }),
      deadline,
      (late) =>
        log.warn(
          {
            tag,
            lateByMs: Date.now() - deadline,
            outcome: late.kind,
            err: 'error' in late ? late.error : undefined,
          },
          'late handler result discarded',
        ),
    );

    let checked;
    try {
      checked = validateResponse(response);
    } catch (error) {
      if (!(error instanceof SchemaError)) throw error;
      log.error({ tag, problem: error.message }, 'handler returned an invalid WebhookResponse');
      throw new WebhookError(500, 'the handler returned an invalid response');
    }
    const body = JSON.stringify(checked);
    // Strings are UTF-16 in memory; the limit is on UTF-8 bytes on the wire.
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > MAX_RESPONSE_BYTES) {
      log.error(
        { tag, bytes, limit: MAX_RESPONSE_BYTES },
        'response over the 64 KiB limit not sent',
      );
      throw new WebhookError(500, 'the response exceeds the 64 KiB limit');
    }
    return body;
  }

  return async function handle(req: CoreRequest): Promise<CoreResult> {
    // A child logger only when there is trace context to carry: most local calls have none.
    const trace = traceFields(req.headers, project);
    const log = Object.keys(trace).length > 0 ? logger.child(trace) : logger;
    const facts: RequestFacts = {};
    let result: CoreResult;
    try {
      result = { status: 200, body: await serve(req, facts, log), headers: JSON_TYPE };
    } catch (error) {
      result = toErrorResult(error, facts, log);
    }
    const line = { ...facts, status: result.status, latencyMs: Date.now() - req.receivedAt };
    if (result.status >= 500) log.error(line, 'webhook request failed');
    else if (result.status >= 400) log.warn(line, 'webhook request refused');
    else log.info(line, 'webhook request');
    return result;
  };
}

function toErrorResult(error: unknown, facts: RequestFacts, log: Logger): CoreResult {
  if (error instanceof WebhookError) {
    facts.reason = error.message;
    return {
      status: error.status,
      body: errorBody(error.status, error.message),
      headers: { ...JSON_TYPE, ...error.headers },
    };
  }
  // A handler's own error: the details go to the log, never to the caller.
  facts.reason = 'the handler failed';
  log.error({ tag: facts.tag, err: error }, 'handler failed');
  return { status: 500, body: errorBody(500, 'the handler failed'), headers: JSON_TYPE };
}
