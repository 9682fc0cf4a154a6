import { connect } from 'node:net';

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
