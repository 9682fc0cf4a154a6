import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/**
 * The request's headers for the core. Node keeps only the first of a repeated `Authorization` or
 * `Content-Type` and drops the rest without a word; such a request is ambiguous, so the repeated
 * header is handed on as a list, which the checks refuse. Most requests cost one pass over
 * `rawHeaders` and no copy.
 */
export function requestHeaders(req: IncomingMessage): IncomingHttpHeaders {
  let authorization = 0;
  let contentType = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 13 && name.toLowerCase() === 'authorization') authorization++;
    else if (name.length === 12 && name.toLowerCase() === 'content-type') contentType++;
  }
  if (authorization < 2 && contentType < 2) return req.headers;
  const repeated: Record<string, string[] | undefined> = {};
  if (authorization > 1) repeated.authorization = req.headersDistinct.authorization;
  if (contentType > 1) repeated['content-type'] = req.headersDistinct['content-type'];
  return { ...req.headers, ...repeated };
}
