import autocannon from 'autocannon';
import { cpuMicros, peakRssBytes, type RunningServer } from './processes';
import { quantile } from './stats';

export interface LoadSpec {
  connections: number;
  seconds: number;
  /** Not measured: JIT, connection set-up, caches (the verified-token cache in id-token mode). */
  warmupSeconds: number;
  body: string;
  headers: Record<string, string>;
}

export interface LoadResult {
  requestsPerSecond: number;
  /** Latency quantiles of the answers, in ms, at the microsecond resolution of each response. */
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts and answers other than 2xx. */
  errors: number;
  /** The server process's own CPU time (user + system, all threads) per answered request. */
  cpuUsPerRequest: number;
  /** The highest resident set the server has had since it started, in bytes. */
  peakRssBytes: number;
}

/**
 * Loads a running server with POST requests from autocannon on `connections` connections, and
 * reads the server's CPU time from /proc around the measured phase. autocannon's own latency
 * percentiles are whole milliseconds, too coarse next to a 2 ms p99, so each response time is
 * kept and the quantiles computed here.
 */
export async function measureLoad(server: RunningServer, spec: LoadSpec): Promise<LoadResult> {
  const pid = server.child.pid as number;
  const options = {
    url: server.url,
    connections: spec.connections,
    method: 'POST' as const,
    body: spec.body,
    headers: { 'content-type': 'application/json', ...spec.headers },
  };
  if (spec.warmupSeconds > 0) await autocannon({ ...options, duration: spec.warmupSeconds });
  const latencies: number[] = [];
  const cpuBefore = cpuMicros(pid);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ ...options, duration: spec.seconds }, (error, done) =>
      error ? reject(error as Error) : resolve(done),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
  const cpuUsed = cpuMicros(pid) - cpuBefore;
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    errors: result.errors + result.timeouts + result.non2xx,
    cpuUsPerRequest: cpuUsed / Math.max(1, result.requests.total),
    peakRssBytes: peakRssBytes(pid),
  };
}
