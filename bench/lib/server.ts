import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { mean, quantile, round } from './figures';

export interface RunningServer {
  child: ChildProcess;
  url: string;
  /** performance.now() just before the spawn. */
  spawnedAt: number;
  stop(): Promise<void>;
}

/** A port nothing listens on right now, on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/** Whether something accepts connections on the port: the cheapest readiness probe. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts `node <file>` on a free port and resolves once it accepts connections (probed every
 * `pollMs`). Its stdout is a pipe that another process (`cat`) drains, as Cloud Run's logging agent
 * does: the server pays for writing its log lines, and the load generator does not pay for reading them.
 */
export async function startServer(
  file: string,
  env: Record<string, string> = {},
  pollMs = 20,
): Promise<RunningServer> {
  const port = await freePort();
  const reader = spawn('cat', [], { stdio: ['pipe', 'ignore', 'inherit'] });
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [file], {
    env: { PATH: process.env.PATH, PORT: String(port), ...env },
    stdio: ['ignore', reader.stdin ?? 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    reader.stdin?.end();
  };
  while (!(await accepts(port))) {
    const failure =
      child.exitCode !== null
        ? `exited with ${child.exitCode}`
        : performance.now() - spawnedAt > 20_000 && `did not listen on ${port}`;
    if (failure) {
      await stop();
      throw new Error(`${file} ${failure}`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return { child, url: `http://127.0.0.1:${port}`, spawnedAt, stop };
}

/** A process's resident set now (VmRSS) or its high-water mark (VmHWM), in bytes, from /proc (Linux). */
export function rssBytes(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const kib = new RegExp(`${field}:\\s+(\\d+) kB`).exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  if (!kib) throw new Error(`no ${field} for ${pid}`);
  return Number(kib[1]) * 1024;
}

/**
 * CPU time (user + system, every thread) the process has used so far, in µs, from /proc/<pid>/stat,
 * in clock ticks of 10 ms (100 per second on every mainstream kernel build), which a load of several
 * seconds makes negligible.
 */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces; count fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 1e4;
}

export interface LoadSpec {
  connections: number;
  seconds: number;
  /** Not measured: JIT, connection set-up, caches (the verified-token cache in id-token mode). */
  warmupSeconds: number;
}

export interface Load {
  requestsPerSecond: number;
  /** Latency quantiles of the 2xx answers, in ms. */
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts and answers other than 2xx. */
  errors: number;
  /** The server process's own CPU time (user + system, all threads) per answered request. */
  cpuUsPerRequest: number;
  /** The highest resident set the server has had since it started. */
  peakRssMiB: number;
}

/**
 * Loads a running server with POST requests from autocannon and reads the server's CPU time from
 * /proc around the measured phase. autocannon's own latency percentiles are whole milliseconds,
 * too coarse next to a 2 ms p99, so each response time is kept and the quantiles computed here.
 */
export async function measureLoad(
  server: RunningServer,
  spec: LoadSpec & { body: string; headers: Record<string, string> },
): Promise<Load> {
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
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    errors: result.errors + result.timeouts + result.non2xx,
    cpuUsPerRequest: (cpuMicros(pid) - cpuBefore) / Math.max(1, result.requests.total),
    peakRssMiB: rssBytes(pid, 'VmHWM') / (1024 * 1024),
  };
}

export interface LoadTarget {
  file: string;
  env: Record<string, string>;
  body: string;
  headers: Record<string, string>;
}

/**
 * Loads each target in turn, a fresh process each time, once per round; rounds alternate the
 * order, so a shared machine's drift weighs on every row alike. Figures are means over the rounds,
 * but the peak resident set is the highest seen and errors add up. In the order of `targets`.
 */
export async function measureRounds(
  targets: readonly LoadTarget[],
  spec: LoadSpec & { rounds: number },
): Promise<Load[]> {
  const runs = new Map<LoadTarget, Load[]>(targets.map((t) => [t, []]));
  for (let i = 0; i < spec.rounds; i++) {
    for (const t of i % 2 === 0 ? targets : [...targets].reverse()) {
      const server = await startServer(t.file, t.env);
      try {
        runs.get(t)?.push(await measureLoad(server, { ...spec, ...t }));
      } finally {
        await server.stop();
      }
    }
  }
  return targets.map((t) => {
    const r = runs.get(t) ?? [];
    const avg = (pick: (l: Load) => number, digits: number) => round(mean(r.map(pick)), digits);
    return {
      requestsPerSecond: avg((l) => l.requestsPerSecond, 0),
      p50Ms: avg((l) => l.p50Ms, 2),
      p99Ms: avg((l) => l.p99Ms, 2),
      errors: r.reduce((a, l) => a + l.errors, 0),
      cpuUsPerRequest: avg((l) => l.cpuUsPerRequest, 1),
      peakRssMiB: round(Math.max(...r.map((l) => l.peakRssMiB))),
    };
  });
}
