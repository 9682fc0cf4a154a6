import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { isLingering, linger } from './respond';

interface SocketState {
  /** Answers in progress on this socket, in order (pipelining makes it more than one). */
  readonly responses: ServerResponse[];
  /** End the connection once its answers are out (a client error arrived behind them). */
  endWhenIdle: boolean;
}

const abandoned = new WeakSet<IncomingMessage>();

/**
 * Whether a request arrived on a connection that is closing: behind an answer that closes it, or
 * while it drains after such an answer. Nobody would receive its answer, so its handler must not
 * run; the caller sees the connection close and sends it again.
 */
export function isAbandoned(req: IncomingMessage): boolean {
  return abandoned.has(req);
}

/**
 * What a server's connections are doing: which have an answer in progress and which are idle.
 * It lets a client error leave an answer in progress alone, and a drain close what would
 * otherwise hold it: idle keep-alive connections, connections that never sent a whole request.
 */
export class Connections {
  private readonly sockets = new Map<Socket, SocketState>();
  private draining = false;

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.set(socket, { responses: [], endWhenIdle: false });
      socket.once('close', () => this.sockets.delete(socket));
    });
    // Prepended, so a drain's `connection: close` is set before a handler that answers
    // synchronously has sent its headers, and an abandoned request is marked before it runs.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) =>
      this.dispatched(req, res),
    );
  }

  /** Whether an answer is in progress on the socket. */
  busy(socket: Socket): boolean {
    return (this.sockets.get(socket)?.responses.length ?? 0) > 0;
  }

  /** Ends the connection as soon as the answers in progress on it are out. */
  endWhenIdle(socket: Socket): void {
    const state = this.sockets.get(socket);
    if (!state || state.responses.length === 0) linger(socket);
    else state.endWhenIdle = true;
  }

  /**
   * From now on every answer closes its connection; connections with no request in progress (idle
   * keep-alive, nothing sent yet, half a request line) are closed at once.
   */
  drain(): void {
    this.draining = true;
    for (const [socket, state] of this.sockets) {
      for (const res of state.responses) {
        if (!res.headersSent) res.setHeader('connection', 'close');
      }
      if (state.responses.length === 0 && !isLingering(socket)) closeIdle(socket);
    }
  }

  /** Cuts every connection still open (the drain's cap). */
  destroyAll(): void {
    for (const socket of this.sockets.keys()) socket.destroy();
  }

  private dispatched(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const state = this.sockets.get(socket);
    if (!state) return;
    const closing =
      isLingering(socket) || state.responses.some((r) => r.getHeader('connection') === 'close');
    if (closing) abandoned.add(req);
    state.responses.push(res);
    if (this.draining && !res.headersSent) res.setHeader('connection', 'close');
    res.once('close', () => {
      state.responses.splice(state.responses.indexOf(res), 1);
      if (state.responses.length === 0 && state.endWhenIdle) linger(socket);
      // A response finished during a drain closes its connection itself (`connection: close`).
    });
  }
}

/**
 * Closes a connection with no answer owed. Reading stops first, so a request that is on its way
 * is never dispatched (its handler would run with nobody to answer); the caller sees the
 * connection close and sends it again elsewhere.
 */
function closeIdle(socket: Socket): void {
  socket.pause();
  socket.end(() => socket.destroy());
}

const tracked = new WeakMap<Server, Connections>();

export function trackConnections(server: Server): Connections {
  const connections = new Connections(server);
  tracked.set(server, connections);
  return connections;
}

export function connectionsOf(server: Server): Connections | undefined {
  return tracked.get(server);
}
