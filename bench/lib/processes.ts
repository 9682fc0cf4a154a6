import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface RunningServer {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts `node <file>` and resolves once it logs its "cx-webhook listening" line with the port.
 * stdout is read only until then; afterwards it is drained, so log writing costs the server what
 * it costs in production (a pipe that someone reads) without the bench holding the lines.
 */
export function startServer(
  file: string,
  env: Record<string, string> = {},
): Promise<RunningServer> {
  const child = spawn(process.execPath, [file], {
    env: { PATH: process.env.PATH, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${file} did not start:\n${seen}`)), 20_000);
    const onData = (d: Buffer) => {
      seen += d.toString();
      const port = /"port":(\d+)[^\n]*cx-webhook listening/.exec(seen)?.[1];
      if (!port) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve({
        child,
        url: `http://127.0.0.1:${port}`,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}:\n${seen}`)));
  });
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
 * CPU time (user + system) the process has used so far, in microseconds, from /proc/<pid>/stat.
 * The resolution is one tick (10 ms), which a load of several seconds makes negligible.
 */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces; count fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e6) / TICKS_PER_SECOND;
}
