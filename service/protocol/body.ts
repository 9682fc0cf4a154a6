import { isUtf8 } from 'node:buffer';
import { WebhookError } from './errors';

/** Real requests carrying large session state exceed Express's 100 kB default; 1 MiB leaves room. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** `application/json`, optionally with a UTF-8 charset (any case); anything else is refused. */
export function checkContentType(contentType: string | undefined): void {
  if (contentType === undefined)
    throw new WebhookError(400, 'content-type must be application/json');
  const [mediaType, ...params] = contentType.split(';');
  if (mediaType.trim().toLowerCase() !== 'application/json') {
    throw new WebhookError(400, 'content-type must be application/json');
  }
  for (const param of params) {
    const [name, value = ''] = param.split('=');
    if (name.trim().toLowerCase() !== 'charset') continue;
    const charset = value.trim().replace(/^"|"$/g, '').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') {
      throw new WebhookError(400, 'content-type charset must be utf-8');
    }
  }
}

/** Decodes and parses the raw body exactly once. */
export function parseJson(body: Buffer): unknown {
  if (body.length > MAX_BODY_BYTES) {
    throw new WebhookError(400, `body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  if (body.length === 0) throw new WebhookError(400, 'body is empty');
  if (!isUtf8(body)) throw new WebhookError(400, 'body is not valid UTF-8');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new WebhookError(400, 'body is not valid JSON');
  }
}
