import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_BODY_BYTES } from '../protocol/body';
import { WebhookError } from '../protocol/errors';
import type { BudgetLease } from './byteBudget';
import { contextOf } from './context';

type RawBodyRequest = IncomingMessage & { rawBody?: unknown };

export interface ReadBodyOptions {
  /** Calls back when the request stops (its deadline, a shutdown, a framing error): the read stops too. */
  readonly onStop: (listener: () => void) => () => void;
  /** This request's share of the bytes in flight across requests; the caller releases it. */
  readonly lease?: BudgetLease;
  readonly limit?: number;
}

/**
 * The request body as bytes, read at most once, capped at 1 MiB and bounded by the deadline.
 * Where a framework in front of us (the Functions Framework) has already read the stream, its
 * `rawBody` is used as is. A caller waiting on `Expect: 100-continue` is told to send only now,
 * after authentication.
 */
export function readBody(
  req: RawBodyRequest,
  res: ServerResponse,
  options: ReadBodyOptions,
): Promise<Buffer> {
  if (Buffer.isBuffer(req.rawBody)) return Promise.resolve(req.rawBody);
  const limit = options.limit ?? MAX_BODY_BYTES;
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(tooLarge(limit));

  const hold = (bytes: number): boolean => !options.lease || options.lease.take(bytes);
  // With a declared length the whole of it is taken up front, so a refusal comes before any read.
  const chunked = !(declared >= 0);
  if (!chunked && !hold(declared)) return Promise.reject(busy());

  const context = contextOf(req);
  if (context.awaitingContinue && !res.headersSent && !res.writableEnded) {
    context.awaitingContinue = false;
    res.writeContinue();
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let unlisten: (() => void) | undefined;
    const fail = (error: WebhookError) => {
      cleanup();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return fail(tooLarge(limit));
      if (chunked && !hold(chunk.length)) return fail(busy());
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) =>
      fail(new WebhookError(400, `the request body could not be read: ${error.message}`));
    const onStop = () => {
      // The rest may never come: the answer closes the connection instead of waiting for it.
      context.closeAfter = true;
      fail(new WebhookError(503, 'the request body did not arrive in time'));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      unlisten?.();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    if (!req.complete) unlisten = options.onStop(onStop);
  });
}

function tooLarge(limit: number): WebhookError {
  return new WebhookError(400, `body exceeds ${limit} bytes`);
}

function busy(): WebhookError {
  return new WebhookError(503, 'the service is busy');
}
