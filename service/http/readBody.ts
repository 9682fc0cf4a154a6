import type { IncomingMessage } from 'node:http';
import { MAX_BODY_BYTES } from '../protocol/body';
import { WebhookError } from '../protocol/errors';

type RawBodyRequest = IncomingMessage & { rawBody?: unknown };

/**
 * The request body as bytes, read at most once and capped at 1 MiB. Where a framework in front of
 * us (the Functions Framework) has already read the stream, its `rawBody` is used as is.
 */
export function readBody(req: RawBodyRequest, limit = MAX_BODY_BYTES): Promise<Buffer> {
  if (Buffer.isBuffer(req.rawBody)) return Promise.resolve(req.rawBody);
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // Stop buffering; the reply goes out with `Connection: close` and the rest is dropped.
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new WebhookError(400, `the request body could not be read: ${error.message}`));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function tooLarge(limit: number): WebhookError {
  return new WebhookError(400, `body exceeds ${limit} bytes`);
}
