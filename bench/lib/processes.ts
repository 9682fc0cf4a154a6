import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

export interface RunningServer {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** A port nothing listens on right now, on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/** Whether something accepts connections on the port: the cheapest readiness probe. */
export function accepts(port: number): Promise<boolean> {
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
 * Starts `node <file>` on a free port and resolves once it accepts connections. Its stdout is a
 * pipe that another process (`cat`) drains, as Cloud Run's logging agent does: the server pays
 * for writing its log lines, and the load generator does not pay for reading them.
 */
export async function startServer(
  file: string,
  env: Record<string, string> = {},
): Promise<RunningServer> {
  const port = await freePort();
  const reader = spawn('cat', [], { stdio: ['pipe', 'ignore', 'inherit'] });
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
  const started = Date.now();
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}`);
    if (Date.now() - started > 20_000) {
      await stop();
      throw new Error(`${file} did not listen on ${port}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, url: `http://127.0.0.1:${port}`, stop };
}

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1];
  if (!kib) throw new Error(`no ${field} for ${pid}`);
  return Number(kib) * 1024;
}

/** Resident set size of a process in bytes, from /proc (Linux). */
export const rssBytes = (pid: number) => statusField(pid, 'VmRSS');

/** The highest resident set size the process has had since it started (Linux's high-water mark). */
export const peakRssBytes = (pid: number) => statusField(pid, 'VmHWM');

/** Linux reports CPU time in clock ticks; 100 per second on every mainstream kernel build. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, every thread) the process has used so far, in microseconds, from
 * /proc/<pid>/stat. The resolution is one tick (10 ms), which a load of several seconds makes
 * negligible.
 */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces; count fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e6) / TICKS_PER_SECOND;
}
