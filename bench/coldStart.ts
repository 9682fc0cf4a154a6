import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { NODE_OPTIONS } from '../infra/webhookEnv';
import { buildUnbundled, writeDeployableBundle } from './lib/build';
import { median, quantile, round } from './lib/stats';

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

/** Spawn to the first 200 from GET /health. */
async function firstHealthy(file: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  // Started as deployed: with the same Node options.
  const child = spawn(process.execPath, [file], {
    env: { PATH: process.env.PATH, PORT: String(port), NODE_OPTIONS },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        if (res.status === 200) return performance.now() - started;
      } catch {
        // Not listening yet.
      }
      if (performance.now() - started > 20_000) throw new Error(`${file} never became healthy`);
      await new Promise((r) => setTimeout(r, 2));
    }
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

/** Measures each start-up `runs` times, interleaved so drift on a shared machine hits all alike. */
export async function measureColdStart(
  runs: number,
): Promise<{ rows: ColdStartRow[]; bundleBytes: number }> {
  const bundle = writeDeployableBundle();
  const unbundled = buildUnbundled();
  const samples = { floor: [] as number[], bundle: [] as number[], unbundled: [] as number[] };
  await firstHealthy(bundle.path); // warm the file cache once
  for (let i = 0; i < runs; i++) {
    samples.floor.push(await nodeFloor());
    samples.bundle.push(await firstHealthy(bundle.path));
    samples.unbundled.push(await firstHealthy(unbundled));
  }
  return {
    rows: [
      summarise("node -e '' (floor, spawn to exit)", samples.floor),
      summarise('deployable bundle (spawn to first 200)', samples.bundle),
      summarise('unbundled service from node_modules (spawn to first 200)', samples.unbundled),
    ],
    bundleBytes: bundle.bytes,
  };
}
