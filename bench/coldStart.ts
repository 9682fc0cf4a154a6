import { spawn } from 'node:child_process';
import type { BaselineBundle } from './lib/baseline';
import { buildUnbundled, writeDeployableBundle } from './lib/build';
import { authModes, benchRequestBody, DEPLOYED_ENV, type AuthMode } from './lib/deployment';
import { accepts, freePort } from './lib/processes';
import { median, quantile, round } from './lib/stats';

/** How the rows of another commit's bundle start. */
export const BEFORE = 'bundle before';

export interface ColdStartRow {
  what: string;
  medianMs: number;
  p25Ms: number;
  p75Ms: number;
  minMs: number;
  maxMs: number;
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
  // Started as deployed: with the environment the infra gives it.
  const child = spawn(process.execPath, [file], {
    env: { PATH: process.env.PATH, PORT: String(port), ...DEPLOYED_ENV, ...env },
    stdio: 'ignore',
  });
  try {
    // A connection attempt every millisecond, as a TCP start-up probe would, then the request.
    while (!(await accepts(port))) {
      if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}`);
      if (performance.now() - started > 20_000) throw new Error(`${file} never listened`);
      await new Promise((r) => setTimeout(r, 1));
    }
    const res = await fetch(`http://127.0.0.1:${port}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
    if (res.status !== 200) throw new Error(`${file} answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
    return performance.now() - started;
  } finally {
    child.kill('SIGKILL');
  }
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
 * the floor, the bundle to its first probe answer and to its first webhook answer (in `platform`
 * mode, as deployed, and in `id-token` mode, whose first call also fetches the signing
 * certificates from a local issuer), and the unbundled service.
 */
export async function measureColdStart(
  runs: number,
  baseline?: BaselineBundle,
): Promise<{ rows: ColdStartRow[]; bundleBytes: number }> {
  const bundle = writeDeployableBundle();
  const unbundled = buildUnbundled();
  const auth = await authModes();
  const webhook = (mode: AuthMode): FirstRequest => ({
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/json', ...auth.modes[mode].headers },
    body: benchRequestBody(),
  });
  const samples = {
    floor: [] as number[],
    health: [] as number[],
    platform: [] as number[],
    idToken: [] as number[],
    unbundled: [] as number[],
    before: [] as number[],
  };
  try {
    await firstAnswer(bundle.path); // warm the file cache once
    for (let i = 0; i < runs; i++) {
      samples.floor.push(await nodeFloor());
      samples.health.push(await firstAnswer(bundle.path));
      samples.platform.push(
        await firstAnswer(bundle.path, webhook('platform'), auth.modes.platform.env),
      );
      samples.idToken.push(
        await firstAnswer(bundle.path, webhook('id-token'), auth.modes['id-token'].env),
      );
      samples.unbundled.push(await firstAnswer(unbundled));
      if (baseline) {
        samples.before.push(
          await firstAnswer(baseline.path, webhook('platform'), auth.modes.platform.env),
        );
      }
    }
  } finally {
    await auth.close();
  }
  return {
    rows: [
      summarise("node -e '' (floor, spawn to exit)", samples.floor),
      summarise('bundle: spawn to first 200 on /health', samples.health),
      summarise(
        'bundle: spawn to first webhook 200 (auth platform, as deployed)',
        samples.platform,
      ),
      summarise(
        'bundle: spawn to first webhook 200 (auth id-token, certificates fetched)',
        samples.idToken,
      ),
      summarise(
        'unbundled service from node_modules: spawn to first 200 on /health',
        samples.unbundled,
      ),
      ...(baseline
        ? [
            summarise(
              `${BEFORE} (${baseline.ref}): spawn to first webhook 200 (auth platform, as deployed)`,
              samples.before,
            ),
          ]
        : []),
    ],
    bundleBytes: bundle.bytes,
  };
}
