import express from 'express';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createApp, type AppOptions } from '../../service/app';
import { loadConfig } from '../../service/config';
import { createLogger } from '../../service/logging';
import { createWebhookServer } from '../../service/server';

export interface LiveApp {
  url: string;
  server: Server;
  /** Every log line written so far, parsed. */
  logs: () => Record<string, unknown>[];
  close: () => Promise<void>;
  post: (body: unknown, init?: { headers?: Record<string, string> }) => Promise<Response>;
}

/** Captures log lines in memory so tests can assert on them. */
export function memoryLogger(level: 'debug' | 'info' = 'info') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level, destination: stream });
  return {
    logger,
    lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** How a test serves the options: by default, the app `serve()` serves. */
export type ListenerFor = (options: AppOptions) => RequestListener;

/**
 * The app from createApp mounted in an embedder's own Express app, behind its middleware: the way
 * a user embeds the service rather than running `serve()`.
 */
export const embedded =
  (...before: express.RequestHandler[]): ListenerFor =>
  (options) => {
    const outer = express();
    for (const middleware of before) outer.use(middleware);
    outer.use(createApp(options));
    return outer;
  };

/** Starts the service as `serve()` does (the same listener and server) on 127.0.0.1, any port. */
export async function startApp(
  overrides: Partial<AppOptions> & { env?: Record<string, string> } = {},
  listenerFor: ListenerFor = createApp,
): Promise<LiveApp> {
  const { env, ...rest } = overrides;
  const log = memoryLogger();
  const options: AppOptions = {
    ...loadConfig({ WEBHOOK_AUTH: 'none', ...env }),
    handlers: {},
    logger: log.logger,
    ...rest,
  };
  const server = createWebhookServer(listenerFor(options), options);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    server,
    logs: log.lines,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    post: (body, init = {}) =>
      fetch(`${url}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...init.headers },
        body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
      }),
  };
}
