import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { MAX_BODY_BYTES } from '../protocol/body';
import { WebhookError } from '../protocol/errors';

/** What the service keeps about one request, on the request object itself. */
export interface RequestContext {
  /** Epoch ms of Node's `request` event (or of the first look, under another host). */
  readonly receivedAt: number;
  /** The caller waits for `100 Continue` before it sends the body (Node's `checkContinue`). */
  awaitingContinue: boolean;
  /** Why the request must end at once (malformed framing, a fault in its callbacks). */
  failure?: WebhookError;
  /** Told of the failure, by whoever is serving the request. */
  onFailure?: (reason: WebhookError) => void;
}

const CONTEXT = Symbol('cx-webhook-kit.request');
type Request = IncomingMessage & { [CONTEXT]?: RequestContext; rawBody?: unknown };

/** The request's context, made on first use. */
export function contextOf(req: IncomingMessage): RequestContext {
  return ((req as Request)[CONTEXT] ??= {
    receivedAt: Date.now(),
    awaitingContinue: false,
  });
}

/** Ends a request at once with `reason` (its answer) wherever it waits; the first reason wins. */
export function failRequest(req: IncomingMessage, reason: WebhookError): void {
  const context = contextOf(req);
  if (context.failure) return;
  context.failure = reason;
  context.onFailure?.(reason);
}

/** Headers whose repeat makes a request ambiguous: Node keeps the first and drops the rest. */
const SINGLE = ['authorization', 'content-type'];

/** How often `name` (lower case) stands in the request's raw headers. */
function occurrences(req: IncomingMessage, name: string): number {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const raw = req.rawHeaders[i];
    if (raw.length === name.length && raw.toLowerCase() === name) count++;
  }
  return count;
}

/**
 * The headers for the core; a repeated one of SINGLE comes as its list, which the checks refuse.
 * Every request costs a scan of rawHeaders and no copy: headersDistinct builds a list for every
 * header, so it is read only on a repeat.
 */
export function requestHeaders(req: IncomingMessage): IncomingHttpHeaders {
  const repeated = SINGLE.filter((name) => occurrences(req, name) > 1);
  if (repeated.length === 0) return req.headers;
  const distinct = req.headersDistinct;
  return { ...req.headers, ...Object.fromEntries(repeated.map((name) => [name, distinct[name]])) };
}

/** One request's share of the body bytes held across requests; the caller releases it. */
export interface BudgetLease {
  readonly take: (bytes: number) => boolean;
  readonly release: () => void;
}

/**
 * Request body bytes the process holds at once, across requests (concurrency × the 1 MiB cap):
 * bodies are read only for authenticated callers, but even they must not take the instance past
 * its memory. Returns what opens one request's lease.
 */
export function byteBudget(capacity: number): () => BudgetLease {
  let used = 0;
  return () => {
    let held = 0;
    return {
      take: (bytes) => {
        if (used + bytes > capacity) return false;
        used += bytes;
        held += bytes;
        return true;
      },
      release: () => {
        used -= held;
        held = 0;
      },
    };
  };
}

/**
 * The body, at most 1 MiB, taken from the lease as it arrives, read until `onStop` calls back (the
 * deadline, a shutdown, broken framing); the Functions Framework's `rawBody` as is. A caller
 * waiting on `Expect: 100-continue` is told to send only now, after authentication.
 */
export function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  onStop: (listener: () => void) => () => void,
  lease: BudgetLease,
): Promise<Buffer> {
  const { rawBody } = req as Request;
  if (Buffer.isBuffer(rawBody)) return Promise.resolve(rawBody);
  const tooLarge = () => new WebhookError(400, `body exceeds ${MAX_BODY_BYTES} bytes`);
  const busy = () => new WebhookError(503, 'the service is busy');
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  // With a declared length the whole of it is taken up front, so a refusal comes before any read.
  const chunked = !(declared >= 0);
  if (!chunked && !lease.take(declared)) return Promise.reject(busy());

  if (contextOf(req).awaitingContinue && !res.headersSent) res.writeContinue();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: WebhookError) => {
      cleanup();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return fail(tooLarge());
      if (chunked && !lease.take(chunk.length)) return fail(busy());
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) =>
      fail(new WebhookError(400, `the request body could not be read: ${error.message}`));
    let unlisten: (() => void) | undefined;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      unlisten?.();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    if (!req.complete) {
      unlisten = onStop(() => {
        // The rest may never come: the answer closes the connection instead of waiting for it.
        if (!res.headersSent) res.setHeader('connection', 'close');
        fail(new WebhookError(503, 'the request body did not arrive in time'));
      });
    }
  });
}
