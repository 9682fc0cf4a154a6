import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { CoreResult } from '../protocol/core';
import { errorBody, type ErrorStatus } from '../protocol/errors';

/**
 * A refused body at most this large (declared) is read and dropped, and the connection kept: a
 * caller that writes its whole upload before reading then sees the answer, not a reset.
 */
const DROPPED_BODY_BYTES = 8 * 1024 * 1024;

/** Writes a result, unless an answer is already out (a shutdown answered first). */
export function send(req: IncomingMessage, res: ServerResponse, result: CoreResult): void {
  if (res.headersSent || res.destroyed) return;
  if (!req.complete) {
    // Too large (or of unknown length) to drop: closed. So is a body that stalled or broke its
    // framing (set where that is seen), and Node closes where a `100 Continue` was not sent.
    if (!(Number(req.headers['content-length']) <= DROPPED_BODY_BYTES)) {
      res.setHeader('connection', 'close');
    }
    req.resume(); // drops what is still to come as it arrives; nothing buffers it
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
  send(req, res, { status, body: errorBody(status, message) });
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
