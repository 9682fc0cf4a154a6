// A stand-in for what sits in front of the container on Cloud Run: the IAM invoker check (which
// answers 403 itself until a new grant applies) and a cold start (the first request waits for the
// instance). It forwards everything else to the real service on loopback.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FrontEndOptions {
  /** Where the service listens, e.g. `http://127.0.0.1:1234/`. */
  target: string;
  /** Refuse this many requests with `refuseStatus` before letting requests through. */
  refuseFirst?: number;
  refuseStatus?: number;
  /** Hold each request this long before forwarding it. */
  delayMs?: number;
}

export interface FrontEnd {
  url: string;
  /** How many requests arrived. */
  requests(): number;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

export async function startFrontEnd(options: FrontEndOptions): Promise<FrontEnd> {
  let requests = 0;
  const waiting = new Set<NodeJS.Timeout>();
  const hold = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(timer);
        resolve();
      }, ms);
      waiting.add(timer);
    });
  const server: Server = createServer((req, res) => {
    const n = requests++;
    void (async () => {
      const body = await readBody(req);
      if (n < (options.refuseFirst ?? 0)) {
        res
          .writeHead(options.refuseStatus ?? 403, { 'content-type': 'text/html' })
          .end('<h1>Forbidden</h1>');
        return;
      }
      if (options.delayMs) await hold(options.delayMs);
      if (res.destroyed) return;
      try {
        const upstream = await fetch(options.target, {
          method: req.method,
          headers: {
            'content-type': req.headers['content-type'] ?? 'application/json',
            ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
          },
          body,
        });
        res.writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? '',
        });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      } catch {
        if (!res.destroyed) res.writeHead(502).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests: () => requests,
    close: () =>
      new Promise((resolve) => {
        // A held request never resumes: its caller gave up, as Dialogflow does at the timeout.
        for (const timer of waiting) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
