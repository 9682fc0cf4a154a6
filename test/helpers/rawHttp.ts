import { connect } from 'node:net';
// Node's own timers: jest's fake timers replace the globals only, so these waits stay in real time
// under a fake clock.
import { clearTimeout, setTimeout } from 'node:timers';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends bytes exactly as given over a fresh loopback connection and reads the answer until the
 * server closes or `waitMs` passes: for requests fetch() will not send (broken framing, bad bytes).
 */
export function rawRequest(
  url: string,
  bytes: Buffer | string,
  waitMs = 3000,
): Promise<RawResponse | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('utf8');
      const match = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
      if (!match) return resolve(undefined);
      const headers = Object.fromEntries(
        match[2].split('\r\n').map((line) => {
          const at = line.indexOf(':');
          return [line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim()];
        }),
      );
      const length = Number(headers['content-length']);
      const body = Number.isFinite(length)
        ? Buffer.from(match[3]).subarray(0, length).toString('utf8')
        : match[3];
      resolve({ status: Number(match[1]), headers, body });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      // One complete response is all any of these requests should get.
      const text = Buffer.concat(chunks).toString('utf8');
      const head = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text.slice(0, head))?.[1];
      if (
        head >= 0 &&
        length !== undefined &&
        Buffer.byteLength(text.slice(head + 4)) >= Number(length)
      )
        finish();
    });
    socket.on('end', finish);
    socket.on('error', (error) => (chunks.length ? finish() : reject(error)));
    socket.write(bytes);
  });
}

/** A POST with the given body bytes and headers, framed by hand. */
export function rawPost(
  url: string,
  body: Buffer | string,
  headers: Record<string, string | number> = {},
): Buffer {
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const all = {
    host: new URL(url).host,
    'content-type': 'application/json',
    'content-length': payload.length,
    ...headers,
  };
  const head = Object.entries(all)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  return Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\n${head}\r\n\r\n`), payload]);
}

/** A framed request split where its head ends: request line and headers, then the body. */
export function splitHead(request: Buffer): { head: string; body: string } {
  const text = request.toString('latin1');
  const end = text.indexOf('\r\n\r\n') + 4;
  return { head: text.slice(0, end), body: text.slice(end) };
}

/** A loopback connection driven byte by byte: for stalled, slow, pipelined or half-read requests. */
export interface RawConnection {
  /** Writes bytes; resolves once they are handed to the kernel, or with the write error. */
  write(bytes: Buffer | string): Promise<Error | undefined>;
  /** Everything received so far, as latin1 text (byte for byte). */
  received(): string;
  /** The responses received so far, in order (a 1xx interim response counts as one). */
  responses(): RawResponse[];
  /** Resolves when `test` holds for what was received, or with false after `waitMs` of real time. */
  waitFor(test: (conn: RawConnection) => boolean, waitMs: number): Promise<boolean>;
  /** Resolves with how the server ended the connection: `end` (FIN) or the socket error code. */
  readonly closed: Promise<string>;
  /** Whether the server has ended the connection yet. */
  isClosed(): boolean;
  destroy(): void;
}

export function openRaw(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let ended = false;
    const waiters = new Set<() => void>();
    const notify = () => waiters.forEach((w) => w());
    const closed = new Promise<string>((done) => {
      socket.on('end', () => done('end'));
      socket.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? 'error'));
      socket.on('close', () => done('close'));
    }).then((how) => {
      ended = true;
      notify();
      return how;
    });
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      notify();
    });
    const conn: RawConnection = {
      write: (bytes) =>
        new Promise((done) => {
          if (socket.destroyed) return done(new Error('destroyed'));
          socket.write(bytes, (error) => done(error ?? undefined));
        }),
      received: () => Buffer.concat(chunks).toString('latin1'),
      responses: () => parseResponses(Buffer.concat(chunks)),
      waitFor: (test, waitMs) =>
        new Promise((done) => {
          const check = () => {
            if (!test(conn)) return;
            finish(true);
          };
          const finish = (result: boolean) => {
            clearTimeout(timer);
            waiters.delete(check);
            done(result);
          };
          const timer = setTimeout(() => finish(false), waitMs);
          waiters.add(check);
          check();
        }),
      closed,
      isClosed: () => ended,
      destroy: () => socket.destroy(),
    };
    socket.once('connect', () => resolve(conn));
    socket.once('error', reject);
  });
}

/** Splits what a connection received into responses, by status line, headers and content-length. */
export function parseResponses(bytes: Buffer): RawResponse[] {
  const out: RawResponse[] = [];
  let rest = bytes;
  while (rest.length > 0) {
    const head = rest.indexOf('\r\n\r\n');
    if (head < 0) break;
    const lines = rest.subarray(0, head).toString('latin1').split('\r\n');
    const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0]);
    if (!status) break;
    const headers = Object.fromEntries(
      lines.slice(1).map((line) => {
        const at = line.indexOf(':');
        return [line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim()];
      }),
    );
    const length = Number(headers['content-length'] ?? 0);
    if (rest.length < head + 4 + length) break;
    const body = rest.subarray(head + 4, head + 4 + length).toString('utf8');
    out.push({ status: Number(status[1]), headers, body });
    rest = rest.subarray(head + 4 + length);
  }
  return out;
}
