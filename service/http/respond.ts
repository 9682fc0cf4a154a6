import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { CoreResult } from '../protocol/core';
import { errorBody, type ErrorStatus } from '../protocol/errors';
import { isAwaitingContinue } from './expectContinue';
import { bodyReadStarted } from './readBody';

/** How long a closing connection keeps reading (and dropping) what the caller still sends. */
const LINGER_MS = 2000;

/** A body at most this large, announced and never read, is dropped by Node and the connection kept. */
const DROPPED_BODY_BYTES = 64 * 1024;

/**
 * Whether the answer must close the connection because the request's body was not read to the
 * end: reading stopped part-way (over the cap, stalled, busy), the caller waits for a
 * `100 Continue` it will not get, or the body is large or of unknown length. A small announced body
 * refused on its headers (a 401) is left to Node, which drops it and keeps the connection.
 */
function mustClose(req: IncomingMessage): boolean {
  if (req.complete) return false;
  if (bodyReadStarted(req) || isAwaitingContinue(req)) return true;
  return !(Number(req.headers['content-length']) <= DROPPED_BODY_BYTES);
}

const lingering = new WeakSet<Socket>();

/** Whether the socket is in a graceful close: its answer is out, and it is draining the rest. */
export function isLingering(socket: Socket): boolean {
  return lingering.has(socket);
}

/**
 * Writes a result. A request whose body was not read to the end (see mustClose) cannot share its
 * connection with the next one, so the answer closes it, and closes it gracefully. Does nothing
 * when an answer was already sent (a shutdown answered first).
 */
export function send(req: IncomingMessage, res: ServerResponse, result: CoreResult): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    ...result.headers,
    'content-length': Buffer.byteLength(result.body),
    'cache-control': 'no-store',
  };
  if (mustClose(req)) {
    // On the response itself, not only in writeHead's argument (which getHeader never sees), so a
    // request pipelined behind this answer is known to be abandoned (see isAbandoned).
    res.setHeader('connection', 'close');
    // Drop the rest of the body as it arrives (nothing buffers it), so the caller's upload can
    // finish while it reads our answer.
    req.resume();
  }
  // Set here, or by a drain; either way the caller may still be sending (a body, a pipelined request).
  if (res.getHeader('connection') === 'close') closeGracefully(req.socket, res);
  res.writeHead(result.status, headers).end(result.body);
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
 * server does not hand to the app (malformed HTTP, CONNECT); then the lingering close, so a caller
 * still sending sees the answer rather than a reset.
 */
export function sendRawError(socket: Socket, status: 400 | 404, message: string): void {
  const body = errorBody(status, message);
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
  linger(socket);
}

/**
 * RFC 9112 §9.6: closing a connection while the caller is still sending makes the kernel answer
 * with a reset, which can erase our answer from the caller's buffers before it reads it (a client
 * that writes its whole upload before reading never sees the 400). So: send the answer, close our
 * side, keep reading and dropping what still arrives, and close fully when the caller closes, or
 * after LINGER_MS.
 *
 * Node closes such a socket itself once the answer is flushed (`destroySoon` ends it and destroys
 * it on 'finish'); the listener it adds for that is taken off here, and the bounded drain put on.
 */
function closeGracefully(socket: Socket, res: ServerResponse): void {
  res.once('finish', () => {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- the very function Node added
    socket.removeListener('finish', socket.destroy);
    linger(socket);
  });
}

/** Closes our side of the connection, drops what the caller still sends, then closes fully. */
export function linger(socket: Socket): void {
  if (socket.destroyed || lingering.has(socket)) return;
  lingering.add(socket);
  if (socket.writable) socket.end();
  // Node's HTTP parser goes on reading the socket and drops the rest of the body; nothing here
  // listens for 'data', which would take the socket from the parser.
  const close = () => {
    clearTimeout(timer);
    socket.destroy();
  };
  const timer = setTimeout(close, LINGER_MS);
  socket.once('end', close);
  socket.once('close', () => clearTimeout(timer));
}
