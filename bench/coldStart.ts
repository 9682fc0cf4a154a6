import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { NODE_OPTIONS } from '../infra/webhookEnv';
import { buildUnbundled, writeDeployableBundle } from './lib/build';
import {
  generateKey,
  LOCAL_SERVICE_AGENT,
  serviceAgentClaims,
  signJwt,
  startCertsServer,
} from '../scripts/localIdp';
import { median, quantile, round } from './lib/stats';
import { benchRequestBody } from './throughput';

export interface ColdStartRow {
  what: string;
  medianMs: number;
  p25Ms: number;
  p75Ms: number;
  minMs: number;
  maxMs: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/** Spawn to exit of `node -e ''`: the floor any Node process pays. */
function nodeFloor(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
      .once('exit', () => resolve(performance.now() - started))
      .once('error', reject);
  });
}

/** What a cold start waits for: a probe, or a webhook call as Dialogflow would make it. */
interface FirstRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

const HEALTH: FirstRequest = { method: 'GET', path: '/health' };

/** Spawn to the first 200 answer to `request`, with the service's environment `env`. */
async function firstAnswer(
  file: string,
  request: FirstRequest = HEALTH,
  env: Record<string, string> = {},
): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  // Started as deployed: with the same Node options.
  const child = spawn(process.execPath, [file], {
    env: { PATH: process.env.PATH, PORT: String(port), NODE_OPTIONS, ...env },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}${request.path}`, {
          method: request.method,
          headers: request.headers,
          body: request.body,
        });
        if (res.status === 200) return performance.now() - started;
        throw new Error(`${file} answered ${res.status}: ${await res.text()}`);
      } catch (error) {
        // Not listening yet; any other failure is the measurement's, not the start-up's.
        if (!isConnectionRefused(error)) throw error;
      }
      if (performance.now() - started > 20_000) throw new Error(`${file} never answered`);
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    child.kill('SIGKILL');
  }
}

function isConnectionRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code === 'ECONNREFUSED';
}

function summarise(what: string, samples: number[]): ColdStartRow {
  return {
    what,
    medianMs: round(median(samples)),
    p25Ms: round(quantile(samples, 0.25)),
    p75Ms: round(quantile(samples, 0.75)),
    minMs: round(Math.min(...samples)),
    maxMs: round(Math.max(...samples)),
  };
}

/**
 * Measures each start-up `runs` times, interleaved so drift on a shared machine hits all alike:
 * the floor, the bundle to its first probe answer and to its first webhook answer (with no auth,
 * and with `id-token`, whose first call also fetches the signing certificates from a local
 * issuer), and the unbundled service.
 */
export async function measureColdStart(
  runs: number,
): Promise<{ rows: ColdStartRow[]; bundleBytes: number }> {
  const bundle = writeDeployableBundle();
  const unbundled = buildUnbundled();
  const key = generateKey();
  const certs = await startCertsServer([key]);
  const audience = 'https://cx-webhook-bench-123456789012.us-central1.run.app';
  const json = { 'content-type': 'application/json' };
  const webhook: FirstRequest = {
    method: 'POST',
    path: '/',
    headers: json,
    body: benchRequestBody(),
  };
  const signed: FirstRequest = {
    ...webhook,
    headers: { ...json, authorization: `Bearer ${signJwt(key, serviceAgentClaims(audience))}` },
  };
  const idTokenEnv = {
    WEBHOOK_AUTH: 'id-token',
    WEBHOOK_ALLOWED_CALLERS: LOCAL_SERVICE_AGENT,
    WEBHOOK_AUDIENCE: audience,
    WEBHOOK_ID_TOKEN_CERTS_URL: certs.url,
  };
  const samples = {
    floor: [] as number[],
    health: [] as number[],
    webhook: [] as number[],
    idToken: [] as number[],
    unbundled: [] as number[],
  };
  try {
    await firstAnswer(bundle.path); // warm the file cache once
    for (let i = 0; i < runs; i++) {
      samples.floor.push(await nodeFloor());
      samples.health.push(await firstAnswer(bundle.path));
      samples.webhook.push(await firstAnswer(bundle.path, webhook));
      samples.idToken.push(await firstAnswer(bundle.path, signed, idTokenEnv));
      samples.unbundled.push(await firstAnswer(unbundled));
    }
  } finally {
    await certs.close();
  }
  return {
    rows: [
      summarise("node -e '' (floor, spawn to exit)", samples.floor),
      summarise('bundle: spawn to first 200 on /health', samples.health),
      summarise('bundle: spawn to first webhook 200 (auth none)', samples.webhook),
      summarise(
        'bundle: spawn to first webhook 200 (id-token, certificates fetched)',
        samples.idToken,
      ),
      summarise(
        'unbundled service from node_modules: spawn to first 200 on /health',
        samples.unbundled,
      ),
    ],
    bundleBytes: bundle.bytes,
  };
}
