import { isUtf8 } from 'node:buffer';
import { WebhookError } from './errors';

/** Real requests with large session state exceed Express's 100 kB default; 1 MiB leaves room. */
export const MAX_BODY_BYTES = 1024 * 1024;

// RFC 9110 §8.3.1 media type: type "/" subtype, then parameters whose values may be quoted strings
// (which may hold ";" and "="). A split on ";" would read `x="a;charset=utf-16"` as a charset.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_TYPE = new RegExp(`^[\\t ]*(${TOKEN})/(${TOKEN})[\\t ]*`);
const PARAMETER = new RegExp(
  `;[\\t ]*(?:(${TOKEN})=(?:(${TOKEN})|"((?:[\\t !#-\\[\\]-~\\x80-\\xff]|\\\\[\\t -~\\x80-\\xff])*)"))?[\\t ]*`,
  'y',
);

/** The media type and its parameters, type and names in lower case; undefined if malformed. */
function parseMediaType(
  value: string,
): { type: string; parameters: Map<string, string> } | undefined {
  const head = MEDIA_TYPE.exec(value);
  if (!head) return undefined;
  const parameters = new Map<string, string>();
  PARAMETER.lastIndex = head[0].length;
  while (PARAMETER.lastIndex < value.length) {
    const at = PARAMETER.lastIndex;
    const param = PARAMETER.exec(value);
    if (!param || PARAMETER.lastIndex === at) return undefined;
    if (param[1] === undefined) continue; // an empty parameter, which RFC 9110 allows
    const name = param[1].toLowerCase();
    if (parameters.has(name)) return undefined;
    parameters.set(name, param[2] ?? param[3].replace(/\\(.)/g, '$1'));
  }
  return { type: `${head[1]}/${head[2]}`.toLowerCase(), parameters };
}

/** `application/json`, optionally with a UTF-8 charset (any case); anything else is refused. */
export function checkContentType(contentType: string | string[] | undefined): void {
  if (Array.isArray(contentType)) throw new WebhookError(400, 'content-type is repeated');
  const media = contentType === undefined ? undefined : parseMediaType(contentType);
  if (media?.type !== 'application/json') {
    throw new WebhookError(400, 'content-type must be application/json');
  }
  const charset = media.parameters.get('charset')?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new WebhookError(400, 'content-type charset must be utf-8');
  }
}

/** Bodies are read as sent; a compressed one would be parsed as garbage, or a bomb. */
export function checkContentEncoding(contentEncoding: string | undefined): void {
  if (contentEncoding !== undefined && contentEncoding.trim().toLowerCase() !== 'identity') {
    throw new WebhookError(400, 'content-encoding is not supported; send identity');
  }
}

/** Decodes and parses the raw body exactly once. */
export function parseJson(body: Buffer): unknown {
  if (body.length > MAX_BODY_BYTES)
    throw new WebhookError(400, `body exceeds ${MAX_BODY_BYTES} bytes`);
  if (body.length === 0) throw new WebhookError(400, 'body is empty');
  if (!isUtf8(body)) throw new WebhookError(400, 'body is not valid UTF-8');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new WebhookError(400, 'body is not valid JSON');
  }
}
