import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { mean, quantile, round } from './figures';

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((closed) => probe.close(closed));
  return port;
}

/** Whether something accepts connections on the port: the cheapest readiness probe. */
async function accepts(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

/**
 * Starts `node <file>` on a free port and resolves once it accepts connections (probed every
 * `pollMs`). Its stdout is a pipe that another process (`cat`) drains, as Cloud Run's logging agent
 * does: the server pays for writing its log lines, the load generator not for reading them.
 */
export async function startServer(file: string, env: Record<string, string> = {}, pollMs = 20) {
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
    await sleep(pollMs);
  }
  // spawnedAt: performance.now() just before the spawn.
  return { child, url: `http://127.0.0.1:${port}`, spawnedAt, stop };
}

/** A process's resident set now (VmRSS) or its peak (VmHWM), in bytes, from /proc (Linux). */
export function rssBytes(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const kib = new RegExp(`${field}:\\s+(\\d+) kB`).exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  if (!kib) throw new Error(`no ${field} for ${pid}`);
  return Number(kib[1]) * 1024;
}

// CPU time (user + system, all threads) so far, in µs; Linux counts it in ticks of 10 ms (100 per
// second on every mainstream kernel build), which a load of several seconds makes negligible.
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces; count fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 1e4;
}

interface LoadSpec {
  connections: number;
  seconds: number;
  /** Not measured: JIT, connection set-up, caches (the verified-token cache in id-token mode). */
  warmupSeconds: number;
}

interface LoadTarget {
  file: string;
  env: Record<string, string>;
  body: string;
  headers: Record<string, string>;
}

/**
 * Loads a running server with POST requests from autocannon and reads the server's CPU time from
 * /proc around the measured phase. autocannon's own latency percentiles are whole milliseconds,
 * too coarse next to a 2 ms p99, so each response time is kept and the quantiles computed here.
 */
export async function measureLoad(
  server: { child: ChildProcess; url: string },
  spec: LoadSpec & Pick<LoadTarget, 'body' | 'headers'>,
) {
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
    /** Connection errors, timeouts and answers other than 2xx. */
    errors: result.errors + result.timeouts + result.non2xx,
    /** The server process's own CPU time (user + system, all threads) per answered request. */
    cpuUsPerRequest: (cpuMicros(pid) - cpuBefore) / Math.max(1, result.requests.total),
    /** The highest resident set the server has had since it started. */
    peakRssMiB: rssBytes(pid, 'VmHWM') / (1024 * 1024),
  };
}

/**
 * Loads each target in turn, a fresh process each time, once per round; rounds alternate the
 * order, so a shared machine's drift weighs on every row alike. Figures are means over the rounds,
 * but the peak resident set is the highest seen and errors add up. In the order of `targets`.
 */
export async function measureRounds(
  targets: readonly LoadTarget[],
  spec: LoadSpec & { rounds: number },
) {
  const runs = targets.map(() => [] as Awaited<ReturnType<typeof measureLoad>>[]);
  const order = targets.map((_t, i) => i);
  for (let n = 0; n < spec.rounds; n++) {
    for (const i of n % 2 === 0 ? order : [...order].reverse()) {
      const server = await startServer(targets[i].file, targets[i].env);
      try {
        runs[i].push(await measureLoad(server, { ...spec, ...targets[i] }));
      } finally {
        await server.stop();
      }
    }
  }
  return runs.map((r) => ({
    requestsPerSecond: round(mean(r.map((l) => l.requestsPerSecond)), 0),
    p50Ms: round(mean(r.map((l) => l.p50Ms)), 2),
    p99Ms: round(mean(r.map((l) => l.p99Ms)), 2),
    errors: r.reduce((a, l) => a + l.errors, 0),
    cpuUsPerRequest: round(mean(r.map((l) => l.cpuUsPerRequest))),
    peakRssMiB: round(Math.max(...r.map((l) => l.peakRssMiB))),
  }));
}
