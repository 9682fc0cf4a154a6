import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { accepted, arrivedBy, everyTick } from './arrival';
import { isLingering, linger } from './respond';

interface SocketState {
  /** Answers owed on this socket, in order: the one in progress, then those held behind it. */
  readonly responses: ServerResponse[];
  /** Pipelined requests not started yet, each with when it arrived. */
  readonly held: [IncomingMessage, ServerResponse, number][];
  /** End the connection once its answers are out (a client error arrived behind them). */
  endWhenIdle: boolean;
  /** An answer closed the connection: requests behind it are abandoned. */
  closing: boolean;
  /** When the first bytes of the next request arrived (undefined: none seen since the last answer or dispatch). */
  bytesAt?: number;
  /** Bytes read from the socket when the last answer was out and its request read. */
  readTo: number;
  /**
   * Bytes read when a tick first found the last request dispatched all in while an answer is owed:
   * what is read beyond them is the next request's.
   */
  doneRead: number | undefined;
  /** The first tick's date for bytes read beyond doneRead (the next request's, begun early). */
  moreAt: number | undefined;
  /** When the request in progress arrived. */
  arrivedAt: number;
  /** Reading is paused because too many requests are held. */
  paused: boolean;
}

/**
 * Requests held on one connection beyond which it stops being read: a pipelining client cannot
 * make the process hold (and later start) an unbounded backlog; it waits in the socket's buffers.
 */
const MAX_HELD = 4;

const abandoned = new WeakSet<IncomingMessage>();
const states = new WeakMap<Socket, SocketState>();

/**
 * Whether a request arrived on a connection that is closing: behind an answer that closes it, or
 * while it drains after such an answer. Nobody would receive its answer, so its handler must not
 * run; the caller sees the connection close and sends it again.
 */
export function isAbandoned(req: IncomingMessage): boolean {
  return abandoned.has(req);
}

/**
 * When the request's first bytes arrived (or, if the event loop was stalled then, when the stall
 * began): its deadline counts from here, not from when its headers were complete. Now, for a
 * request on a server createWebhookServer did not make.
 */
export function arrivalOf(req: IncomingMessage): number {
  return states.get(req.socket)?.arrivedAt ?? Date.now();
}

/**
 * What a server's connections are doing, and the one place their requests are started: one at a
 * time per connection, so pipelining cannot run more requests at once than there are connections;
 * a pipelined request starts once the answer before it is out. It lets a client error leave an
 * answer in progress alone, and a drain close what would otherwise hold it: idle keep-alive
 * connections, connections that never sent a whole request.
 */
export class Connections {
  private readonly sockets = new Map<Socket, SocketState>();
  private draining = false;

  constructor(
    server: Server,
    private readonly listener: RequestListener,
  ) {
    // Node's parser reads the socket itself (a 'data' listener would move it to the slower JS
    // path): a heartbeat tick that finds more bytes read on a socket with nothing in progress dates
    // the start of the next request, whose headers are still on their way.
    const stop = everyTick((since) => this.sweep(since));
    server.once('close', stop);
    server.on('connection', (socket: Socket) => {
      accepted();
      const state: SocketState = {
        responses: [],
        held: [],
        endWhenIdle: false,
        closing: false,
        arrivedAt: 0,
        readTo: 0,
        doneRead: undefined,
        moreAt: undefined,
        paused: false,
      };
      this.sockets.set(socket, state);
      states.set(socket, state);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.dispatched(req, res));
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

  private sweep(since: number): void {
    for (const [socket, state] of this.sockets) {
      const owed = state.responses.length;
      if (owed === 0) {
        if (state.bytesAt === undefined && socket.bytesRead > state.readTo) state.bytesAt = since;
      } else if (state.moreAt === undefined) {
        // Behind an answer owed, a request's head may trickle in for most of its budget before it
        // is dispatched (or before that answer is out): date it from here too.
        if (state.doneRead === undefined) {
          if (state.responses[owed - 1].req.complete) state.doneRead = socket.bytesRead;
        } else if (socket.bytesRead > state.doneRead) state.moreAt = since;
      }
    }
  }

  private dispatched(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const state = this.sockets.get(socket);
    if (!state) return this.listener(req, res);
    // The heartbeat dates only a request that began with nothing in progress; one pipelined behind
    // an answer arrived when it was read, not with the first bytes of the request before it.
    let arrivedAt: number;
    if (state.bytesAt !== undefined && state.responses.length === 0) {
      arrivedAt = state.bytesAt;
      state.bytesAt = undefined;
    } else {
      arrivedAt = arrivedBy(Date.now());
      if (state.moreAt !== undefined) arrivedAt = Math.min(arrivedAt, state.moreAt);
      // Bytes read from now on are the request after this one.
      state.doneRead = state.moreAt = undefined;
    }
    // Set before a handler that answers synchronously has sent its headers.
    if (this.draining && !res.headersSent) res.setHeader('connection', 'close');
    res.once('close', () => this.answered(socket, state, req, res));
    state.responses.push(res);
    if (state.responses.length === 1) return this.start(socket, state, req, res, arrivedAt);
    state.held.push([req, res, arrivedAt]);
    // Every time: Node resumes the socket itself once an answer's bytes have drained.
    if (state.held.length >= MAX_HELD) {
      state.paused = true;
      pauseReading(socket);
    }
  }

  /** Starts the first held request, unless the answer before it is still owed. */
  private startNext(socket: Socket, state: SocketState): void {
    const next = state.held[0];
    if (!next || state.responses[0] !== next[1]) return;
    state.held.shift();
    if (state.paused && state.held.length < MAX_HELD) {
      state.paused = false;
      resumeReading(socket);
    }
    this.start(socket, state, next[0], next[1], next[2]);
  }

  private start(
    socket: Socket,
    state: SocketState,
    req: IncomingMessage,
    res: ServerResponse,
    arrivedAt: number,
  ): void {
    if (state.closing || isLingering(socket) || !socket.writable) abandoned.add(req);
    state.arrivedAt = arrivedAt;
    this.listener(req, res);
  }

  private answered(
    socket: Socket,
    state: SocketState,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    // Answers finish in order (held ones close in order too when the socket does): look at the
    // head first, so a long pipeline costs no scan per answer.
    if (state.responses[0] === res) state.responses.shift();
    else {
      const at = state.responses.indexOf(res);
      if (at !== -1) state.responses.splice(at, 1);
    }
    if (state.held.length > 0) {
      if (state.held[0][1] === res) state.held.shift();
      else {
        const held = state.held.findIndex((h) => h[1] === res);
        if (held !== -1) state.held.splice(held, 1);
      }
    }
    if (res.getHeader('connection') === 'close') state.closing = true;
    // The next request's bytes are those read from now on (once this one's are all in).
    if (req.complete) nextRequest(socket, state);
    else req.once('end', () => nextRequest(socket, state));
    // The next held request starts on a later turn of the loop: a backlog started each from the
    // answer before it would otherwise run as one task, keeping every other connection waiting.
    if (state.held.length > 0) setImmediate(() => this.startNext(socket, state));
    if (state.responses.length === 0 && state.endWhenIdle) linger(socket);
    // A response finished during a drain closes its connection itself (`connection: close`).
  }
}

/**
 * Forgets the bytes read so far, once the last answer owed is out: what is read next is the next
 * request's. Those of it already read (its head trickling in while the answer was owed) keep the
 * date a tick gave them, or are dated by the next tick.
 */
function nextRequest(socket: Socket, state: SocketState): void {
  if (state.responses.length > 0) return;
  state.bytesAt = state.moreAt;
  state.readTo = state.doneRead ?? socket.bytesRead;
  state.doneRead = state.moreAt = undefined;
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

/** Tracks the server's connections and starts its requests with `listener` (see Connections). */
export function trackConnections(server: Server, listener: RequestListener): Connections {
  const connections = new Connections(server, listener);
  tracked.set(server, connections);
  return connections;
}

export function connectionsOf(server: Server): Connections | undefined {
  return tracked.get(server);
}

/** Node's own flags: `_paused` keeps its body reads and drain handling from resuming the socket. */
type HttpSocket = Socket & { _paused?: boolean; parser?: { pause(): void; resume(): void } | null };

function pauseReading(socket: Socket): void {
  (socket as HttpSocket)._paused = true;
  socket.pause();
}

function resumeReading(socket: Socket): void {
  const s = socket as HttpSocket;
  s._paused = false;
  s.parser?.resume();
  socket.resume();
}
