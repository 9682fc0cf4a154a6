import { DependencyUnavailableError } from '../protocol/errors';
import type { OrderStore } from './orderStatus';

export interface HttpOrderStoreOptions {
  /** The orders API's base URL (`ORDERS_API_URL`); orders live at `<base>/orders/<number>`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <key>` (`ORDERS_API_KEY`, delivered as a secret). */
  readonly apiKey: string;
  readonly fetch?: typeof fetch;
}

/** An answer larger than this is not a status: the store refuses to buffer it. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * An order store over HTTP: `GET <base>/orders/<number>` answers `{"status": "…"}`, or 404 for no
 * such order. Anything else (unreachable, a timeout, another status, an answer that is not a
 * status) is the backend's failure, not the caller's: DependencyUnavailableError, so CX gets a
 * 503 (`webhook.error.unavailable`). Every call carries the handler's `ctx.signal`, so it stops at
 * the request's deadline.
 */
export function httpOrderStore(options: HttpOrderStoreOptions): OrderStore {
  const base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
  const get = options.fetch ?? fetch;
  return {
    async status(orderNumber, signal) {
      const url = new URL(`orders/${encodeURIComponent(orderNumber)}`, base);
      const res = await get(url, {
        headers: { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' },
        redirect: 'error',
        signal,
      }).catch(() => {
        throw new DependencyUnavailableError(
          signal.aborted
            ? 'the orders service did not answer in time'
            : 'the orders service is unreachable',
        );
      });
      if (!res.ok) {
        await res.body?.cancel();
        if (res.status === 404) return undefined;
        throw new DependencyUnavailableError(`the orders service answered ${res.status}`);
      }
      const status = await readStatus(res);
      if (status === undefined) {
        throw new DependencyUnavailableError('the orders service sent an unexpected answer');
      }
      return status;
    },
  };
}

/** `status` from a small JSON answer, or undefined when the answer is anything else. */
async function readStatus(res: Response): Promise<string | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    // Leaving the loop early cancels the body.
    for await (const chunk of (res.body ?? []) as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > MAX_ANSWER_BYTES) return undefined;
      chunks.push(chunk);
    }
    const answer: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const status =
      typeof answer === 'object' && answer !== null && Object.hasOwn(answer, 'status')
        ? (answer as { status: unknown }).status
        : undefined;
    return typeof status === 'string' && status !== '' ? status : undefined;
  } catch {
    return undefined;
  }
}
