import type { BaselineBundle } from './lib/baseline';
import { buildBaseline, writeDeployableBundle } from './lib/build';
import { authModes, benchRequestBody, DEPLOYED_ENV, type AuthMode } from './lib/deployment';
import { measureLoad, type LoadResult } from './lib/load';
import { startServer } from './lib/processes';
import { round } from './lib/stats';

export interface ThroughputRow {
  server: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** The server process's own CPU time (user + system, all threads) per answered request. */
  cpuUsPerRequest: number;
}

export interface ThroughputOptions {
  /** Passes over all servers, in alternating order. */
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  /** When set, a row of raw node:http doing this much CPU work per request besides. */
  busyUs?: number;
  /** Another commit's bundle, measured beside this one in auth none and platform. */
  baseline?: BaselineBundle;
}

export const RAW = 'raw node:http (baseline)';
export const busyRow = (us: number) => `raw node:http + ${us} µs of CPU work per request`;
export const EXPRESS = 'Express 5 + express.json() (baseline)';
export const serviceRow = (mode: AuthMode) =>
  `cx-webhook, auth ${mode}${mode === 'id-token' ? ' (cache warm)' : ''}`;
export const baselineRow = (mode: AuthMode, baseline: BaselineBundle) =>
  `${serviceRow(mode)}, before (${baseline.ref})`;

/**
 * Loads each server in turn on loopback with the same request and connection count: the two
 * baselines, and the deployable bundle in each auth mode with the environment the infra gives it.
 * Each runs once per round; rounds alternate the order, so a shared machine's drift weighs on
 * every row alike. Figures are means over the rounds.
 */
export async function measureThroughput(options: ThroughputOptions): Promise<ThroughputRow[]> {
  const body = benchRequestBody();
  const auth = await authModes();
  const bundle = writeDeployableBundle().path;
  const servers = [
    { name: RAW, file: buildBaseline('rawNode'), env: {}, headers: auth.modes.none.headers },
    {
      name: EXPRESS,
      file: buildBaseline('expressJson'),
      env: {},
      headers: auth.modes.none.headers,
    },
    ...(options.busyUs
      ? [
          {
            name: busyRow(options.busyUs),
            file: buildBaseline('rawNode'),
            env: { BUSY_US: String(options.busyUs) },
            headers: auth.modes.none.headers,
          },
        ]
      : []),
    ...(['none', 'platform', 'id-token'] as const).map((mode) => ({
      name: serviceRow(mode),
      file: bundle,
      env: { ...DEPLOYED_ENV, ...auth.modes[mode].env },
      headers: auth.modes[mode].headers,
    })),
    ...(options.baseline
      ? (['none', 'platform'] as const).map((mode) => ({
          name: baselineRow(mode, options.baseline as BaselineBundle),
          file: (options.baseline as BaselineBundle).path,
          env: { ...DEPLOYED_ENV, ...auth.modes[mode].env },
          headers: auth.modes[mode].headers,
        }))
      : []),
  ];
  const runs = new Map<string, LoadResult[]>(servers.map((s) => [s.name, []]));
  try {
    for (let i = 0; i < options.rounds; i++) {
      for (const s of i % 2 === 0 ? servers : [...servers].reverse()) {
        const server = await startServer(s.file, s.env);
        try {
          runs.get(s.name)?.push(
            await measureLoad(server, {
              connections: options.connections,
              seconds: options.seconds,
              warmupSeconds: options.warmupSeconds,
              body,
              headers: s.headers,
            }),
          );
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    await auth.close();
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return servers.map(({ name }): ThroughputRow => {
    const r = runs.get(name) ?? [];
    return {
      server: name,
      requestsPerSecond: round(mean(r.map((x) => x.requestsPerSecond)), 0),
      p50Ms: round(mean(r.map((x) => x.p50Ms)), 2),
      p99Ms: round(mean(r.map((x) => x.p99Ms)), 2),
      errors: r.reduce((a, x) => a + x.errors, 0),
      cpuUsPerRequest: round(mean(r.map((x) => x.cpuUsPerRequest))),
    };
  });
}
