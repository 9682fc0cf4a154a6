import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { CoreResult } from '../protocol/core';
import { errorBody, type ErrorStatus } from '../protocol/errors';
import { contextOf } from './context';

/**
 * A refused body at most this large (declared) is read and dropped, and the connection kept: a
 * caller that writes its whole upload before reading then sees the answer, not a reset. Beyond it,
 * or with no declared length, the answer closes the connection.
 */
const DROPPED_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Whether the answer must close the connection: the body was not read to its end and either may
 * never arrive (it stalled, its framing broke), the caller waits for a `100 Continue` it will not
 * get, or it is too large (or of unknown length) to drop.
 */
function mustClose(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const context = contextOf(req);
  if (context.closeAfter || context.awaitingContinue) return true;
  return !(Number(req.headers['content-length']) <= DROPPED_BODY_BYTES);
}

/** Writes a result, unless an answer is already out (a shutdown answered first). */
export function send(req: IncomingMessage, res: ServerResponse, result: CoreResult): void {
  if (res.headersSent || res.destroyed) return;
  if (!req.complete) {
    if (mustClose(req)) res.setHeader('connection', 'close');
    // Drop what is still to come as it arrives; nothing buffers it.
    req.resume();
  }
  res
    .writeHead(result.status, {
      'content-type': 'application/json',
      ...result.headers,
      'content-length': Buffer.byteLength(result.body),
      'cache-control': 'no-store',
    })
    .end(result.body);
}

/** An error in the contract's JSON form. */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  status: ErrorStatus,
  message: string,
): void {
  send(req, res, { status, body: errorBody(status, message), headers: {} });
}

/**
 * An error in the contract's JSON form, written straight to a socket for a request Node's HTTP
 * server does not hand to the app (malformed HTTP, CONNECT); the connection then closes.
 */
export function sendRawError(socket: Socket, status: 400 | 404, message: string): void {
  const body = errorBody(status, message);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
}
