import { writeDeployableBundle } from './lib/build';
import {
  authModes,
  benchRequestBody,
  DEPLOYED_ENV,
  largeRequestBody,
  type AuthMode,
} from './lib/deployment';
import { measureLoad, type LoadResult } from './lib/load';
import { startServer } from './lib/processes';
import { round } from './lib/stats';

/** The heap settings compared side by side: Node's own, and the young-generation cap once deployed. */
export const HEAP_SETTINGS = [
  { label: "Node's defaults", nodeOptions: '' },
  { label: '--max-semi-space-size=2', nodeOptions: '--max-semi-space-size=2' },
] as const;

export interface MemoryRow {
  mode: AuthMode;
  /** `bench`: the ~2 KB request of the throughput table; `large`: each request just under 1 MiB. */
  request: 'bench' | 'large';
  heap: string;
  /** Whether the infra deploys this heap setting. */
  deployed: boolean;
  /** The highest resident set the server reached, in MiB (VmHWM). */
  peakRssMiB: number;
  requestsPerSecond: number;
  cpuUsPerRequest: number;
  errors: number;
}

export interface MemoryOptions {
  rounds: number;
  /** Requests in flight: what one instance is given (Cloud Run's maxInstanceRequestConcurrency). */
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

const MiB = 1024 * 1024;

/**
 * Each auth mode at the instance's concurrency, with each heap setting, each in a fresh process:
 * the resident set's high-water mark, with the throughput and CPU it came with. Then the worst
 * request the service admits, a body at the 1 MiB cap on every connection, in the deployed mode
 * (`platform`). Rounds alternate the order; the peak is the highest seen, the rest means.
 */
export async function measureMemory(options: MemoryOptions): Promise<MemoryRow[]> {
  const auth = await authModes();
  const bundle = writeDeployableBundle().path;
  const bodies = { bench: benchRequestBody(), large: largeRequestBody() };
  const configs = [
    ...(['none', 'platform', 'id-token'] as const).map((mode) => ({
      mode,
      request: 'bench' as const,
    })),
    { mode: 'platform' as const, request: 'large' as const },
  ].flatMap((c) => HEAP_SETTINGS.map((heap) => ({ ...c, heap })));
  const runs = new Map<(typeof configs)[number], LoadResult[]>(configs.map((c) => [c, []]));
  try {
    for (let i = 0; i < options.rounds; i++) {
      for (const c of i % 2 === 0 ? configs : [...configs].reverse()) {
        const env: Record<string, string> = { ...DEPLOYED_ENV, ...auth.modes[c.mode].env };
        if (c.heap.nodeOptions) env.NODE_OPTIONS = c.heap.nodeOptions;
        else delete env.NODE_OPTIONS;
        const server = await startServer(bundle, env);
        try {
          runs.get(c)?.push(
            await measureLoad(server, {
              connections: options.connections,
              seconds: options.seconds,
              warmupSeconds: options.warmupSeconds,
              body: bodies[c.request],
              headers: auth.modes[c.mode].headers,
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
  return configs.map((c): MemoryRow => {
    const r = runs.get(c) ?? [];
    return {
      mode: c.mode,
      request: c.request,
      heap: c.heap.label,
      deployed: c.heap.nodeOptions === (DEPLOYED_ENV.NODE_OPTIONS ?? ''),
      peakRssMiB: round(Math.max(...r.map((x) => x.peakRssBytes)) / MiB),
      requestsPerSecond: round(mean(r.map((x) => x.requestsPerSecond)), 0),
      cpuUsPerRequest: round(mean(r.map((x) => x.cpuUsPerRequest))),
      errors: r.reduce((a, x) => a + x.errors, 0),
    };
  });
}
