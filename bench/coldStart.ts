import { spawn } from 'node:child_process';
import { RUNTIME_ENV } from '../infra/webhookEnv';
import { buildUnbundled, type Bundle } from './lib/bundles';
import type { authModes } from './lib/deployment';
import { quantile, round } from './lib/figures';
import { startServer } from './lib/server';

/** Spawn to exit of `node -e ''`: the floor any Node process pays. */
function nodeFloor(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
      .once('exit', () => resolve(performance.now() - started))
      .once('error', reject);
  });
}

/**
 * Spawn to the first 200 answer, started as deployed (with the environment the infra gives it) and
 * probed every millisecond as a TCP start-up probe would: `GET /health`, or with `auth` a webhook
 * call as Dialogflow would make it, with `body` (built before the spawn, so not timed).
 */
async function firstAnswer(
  file: string,
  body: string,
  auth?: { env: Record<string, string>; headers: Record<string, string> },
): Promise<number> {
  const server = await startServer(file, { ...RUNTIME_ENV, ...auth?.env }, 1);
  try {
    const res = await fetch(
      auth ? server.url : `${server.url}/health`,
      auth && {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth.headers },
        body,
      },
    );
    if (res.status !== 200) throw new Error(`${file} answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
    return performance.now() - server.spawnedAt;
  } finally {
    await server.stop();
  }
}

function summarise(what: string, samples: number[]) {
  const [minMs, p25Ms, medianMs, p75Ms, maxMs] = [0, 0.25, 0.5, 0.75, 1].map((q) =>
    round(quantile(samples, q)),
  );
  return { what, medianMs, p25Ms, p75Ms, minMs, maxMs };
}

/**
 * Each start-up `runs` times, interleaved so drift on a shared machine hits all alike: the floor,
 * the bundle to its first probe answer and to its first webhook answer (in `platform` mode, as
 * deployed, and in `id-token` mode, whose first call also fetches the signing certificates from a
 * local issuer), the unbundled service, and another commit's bundle (`before`) if given. `body`
 * is the webhook request sent.
 */
export async function measureColdStart(
  runs: number,
  bundle: Bundle,
  body: string,
  auth: Awaited<ReturnType<typeof authModes>>,
  before?: Bundle & { ref: string },
) {
  const unbundled = buildUnbundled();
  const starts = {
    floor: ["node -e '' (floor, spawn to exit)", nodeFloor],
    health: ['bundle: spawn to first 200 on /health', () => firstAnswer(bundle.path, body)],
    platform: [
      'bundle: spawn to first webhook 200 (auth platform, as deployed)',
      () => firstAnswer(bundle.path, body, auth.modes.platform),
    ],
    idToken: [
      'bundle: spawn to first webhook 200 (auth id-token, certificates fetched)',
      () => firstAnswer(bundle.path, body, auth.modes['id-token']),
    ],
    unbundled: [
      'unbundled service from node_modules: spawn to first 200 on /health',
      () => firstAnswer(unbundled, body),
    ],
    ...(before && {
      before: [
        `bundle before (${before.ref}): spawn to first webhook 200 (auth platform, as deployed)`,
        () => firstAnswer(before.path, body, auth.modes.platform),
      ],
    }),
  } satisfies Record<string, [string, () => Promise<number>]>;
  const samples = new Map<string, number[]>(Object.keys(starts).map((k) => [k, []]));
  await firstAnswer(bundle.path, body); // warm the file cache once
  for (let i = 0; i < runs; i++) {
    for (const [key, [, start]] of Object.entries(starts)) samples.get(key)?.push(await start());
  }
  return Object.fromEntries(
    Object.entries(starts).map(([key, [what]]) => [key, summarise(what, samples.get(key) ?? [])]),
  ) as { [K in keyof typeof starts]: ReturnType<typeof summarise> };
}
