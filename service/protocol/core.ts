import type { IncomingHttpHeaders } from 'node:http';
import { clip } from './clip';
import { checkContentEncoding, checkContentType, parseJson } from './body';
import { budgetMs, Deadline, type LateOutcome } from './deadline';
import { isInstance, logFault, type ServiceContext } from './errorEvent';
import { errorBody, WebhookError, type ErrorStatus } from './errors';
import type { Caller, Logger, WebhookHandler } from './handler';
import { normalizeRequest, SchemaError } from './normalize';
import { validateResponse } from './validate';

/** Dialogflow refuses a WebhookResponse larger than 64 KiB. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

/** Checks the caller's credentials; throws a WebhookError (401, 403, 503) to refuse. */
export type Authenticate = (headers: IncomingHttpHeaders) => Promise<Caller>;

/**
 * Reads the raw body. Called at most once, only after the caller passed authentication, with a
 * hook that calls back when the request stops (its deadline, or shutdown) so the read can stop
 * too; rejects with a WebhookError to refuse.
 */
export type BodyReader = (onStop: (listener: () => void) => () => void) => Promise<Buffer>;

export interface CoreOptions {
  readonly handlers: Readonly<Record<string, WebhookHandler>>;
  readonly fallback?: WebhookHandler;
  readonly timeoutMs: number;
  readonly authenticate: Authenticate;
  readonly logger: Logger;
  /** Fields every line of a request carries (its trace), read from its headers. */
  readonly requestFields?: (headers: IncomingHttpHeaders) => Record<string, unknown>;
  /** When it aborts (a drain at its cap), requests still running are answered 503 at once. */
  readonly stop?: AbortSignal;
  /** Names the service in the error events of handler failures. */
  readonly serviceContext?: ServiceContext;
}

export interface CoreRequest {
  readonly headers: IncomingHttpHeaders;
  /** The raw body when already in memory (the Functions Framework has read it), or its reader. */
  readonly body: Buffer | BodyReader;
  /** Epoch ms when the request arrived; the deadline counts from here. */
  readonly receivedAt: number;
  /** Takes a listener to call when the request must end at once; the answer is the reason given. */
  readonly onFailure?: (listener: (reason: WebhookError) => void) => void;
}

export interface CoreResult {
  readonly status: 200 | ErrorStatus;
  readonly body: string;
  /** Headers besides the content type, e.g. `WWW-Authenticate` on a 401. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The request line's fields besides status and latency; `reason` is fixed text, no caller data. */
type RequestFacts = Partial<
  Record<'detectIntentResponseId' | 'tag' | 'session' | 'caller' | 'reason', string>
>;

const shutdownReason = ({ reason }: AbortSignal): WebhookError =>
  isInstance(reason, WebhookError) ? reason : new WebhookError(503, 'the service is shutting down');

const sessionId = (session: string | undefined) => session?.slice(session.lastIndexOf('/') + 1);

/**
 * The protocol core: headers and the body (or its reader) in, status and body out; it knows no web
 * framework. Order: authenticate on the headers; check the content headers; read the body; parse;
 * route; run the handler; check its answer. Every wait is bounded by one deadline from arrival.
 */
export function createWebhookCore(options: CoreOptions) {
  const { handlers, fallback, authenticate, logger, requestFields, stop, serviceContext } = options;
  const budget = budgetMs(options.timeoutMs);
  // One listener for the whole service, not one per request: a drain at its cap stops them all.
  const running = new Set<Deadline>();
  stop?.addEventListener('abort', () => running.forEach((d) => d.stopNow(shutdownReason(stop))), {
    once: true,
  });

  async function serve(
    req: CoreRequest,
    facts: RequestFacts,
    log: Logger,
    deadline: Deadline,
  ): Promise<string> {
    // Credentials first: a caller without them costs no body read and no buffer.
    const caller = await deadline.within(
      authenticate(req.headers),
      'while authenticating the caller',
    );
    facts.caller = caller.email;
    checkContentType(req.headers['content-type']);
    checkContentEncoding(req.headers['content-encoding']);
    const raw =
      typeof req.body === 'function'
        ? await deadline.within(
            req.body((listener) => deadline.onStop(listener)),
            'while reading the request body',
          )
        : req.body;

    const request = normalizeRequest(parseJson(raw));
    facts.detectIntentResponseId = clip(request.detectIntentResponseId);
    facts.tag = clip(request.fulfillmentInfo?.tag);
    facts.session = clip(sessionId(request.sessionInfo?.session));

    const tag = request.fulfillmentInfo?.tag;
    const handler =
      (tag !== undefined && Object.hasOwn(handlers, tag) && handlers[tag]) || fallback;
    if (!handler) {
      throw new WebhookError(
        404,
        tag ? `no handler for tag "${facts.tag}"` : 'the request has no tag',
      );
    }

    // CX retries a call it gave up on: a handler started after the deadline would act twice.
    deadline.check('before the handler could start');
    const onLate = (late: LateOutcome) => {
      log.warn(
        { tag: facts.tag, lateByMs: Date.now() - deadline.at, outcome: late.kind },
        'late handler result discarded',
      );
      // A WebhookError after the deadline is the handler giving up as asked (ctx.signal); any
      // other late failure is still a failure worth reporting.
      if (late.kind === 'rejected' && !isInstance(late.error, WebhookError)) {
        logFault(log, 'error', late.error, serviceContext, { tag: facts.tag });
      }
    };
    const response = await deadline.within(
      // A promise wrapper turns a synchronous throw into a rejection.
      new Promise<unknown>((resolve) =>
        resolve(
          handler(request, {
            get signal() {
              return deadline.signal;
            },
            deadline: deadline.at,
            log,
            caller,
          }),
        ),
      ),
      'while waiting for the handler',
      onLate,
    );

    let body: string;
    try {
      body = JSON.stringify(validateResponse(response));
    } catch (error) {
      if (isInstance(error, SchemaError)) {
        log.error(
          { tag: facts.tag, problem: clip(error.message, 500) },
          'handler returned an invalid WebhookResponse',
        );
        throw new WebhookError(500, 'the handler returned an invalid response');
      }
      // The service's own check or serialisation gave up (a RangeError on a very deep answer).
      logFault(log, 'error', error, serviceContext, { tag: facts.tag });
      throw new WebhookError(500, 'the service could not serialise the response');
    }
    // Strings are UTF-16 in memory; the limit is on UTF-8 bytes on the wire.
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > MAX_RESPONSE_BYTES) {
      log.error(
        { tag: facts.tag, bytes, limit: MAX_RESPONSE_BYTES },
        'response over the 64 KiB limit not sent',
      );
      throw new WebhookError(500, 'the response exceeds the 64 KiB limit');
    }
    return body;
  }

  return async function handle(req: CoreRequest): Promise<CoreResult> {
    // A child logger only when there is trace context to carry: most local calls have none.
    const fields = requestFields?.(req.headers);
    const log = fields && Object.keys(fields).length > 0 ? logger.child(fields) : logger;
    const facts: RequestFacts = {};
    const deadline = new Deadline(req.receivedAt + budget);
    if (stop?.aborted) deadline.stopNow(shutdownReason(stop));
    req.onFailure?.((reason) => deadline.stopNow(reason));
    running.add(deadline);
    let result: CoreResult;
    try {
      result = { status: 200, body: await serve(req, facts, log, deadline) };
    } catch (error) {
      if (isInstance(error, WebhookError)) {
        const message = clip(error.message, 300) as string;
        facts.reason = message;
        const { status, headers } = error;
        result = { status, body: errorBody(status, message), headers };
      } else {
        // A handler's own error: the details go to the log, in the form Error Reporting groups,
        // never to the caller; the request line carries a fixed reason.
        facts.reason = 'the handler failed';
        logFault(log, 'error', error, serviceContext, { tag: facts.tag });
        result = { status: 500, body: errorBody(500, facts.reason) };
      }
    } finally {
      running.delete(deadline);
      deadline.dispose();
    }
    const line = { ...facts, status: result.status, latencyMs: Date.now() - req.receivedAt };
    if (result.status >= 500) log.error(line, 'webhook request failed');
    else if (result.status >= 400) log.warn(line, 'webhook request refused');
    else log.info(line, 'webhook request');
    return result;
  };
}
