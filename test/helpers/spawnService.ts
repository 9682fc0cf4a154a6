import { spawn, type ChildProcess } from 'node:child_process';
import { isAbsolute, join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

const running = new Set<ChildProcess>();

/** Kills whatever a failed test left running, so the suite can still end. */
export function killSpawned(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

export interface Spawned {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves once the output holds `text`; rejects if the process exits or 15 s pass first. */
  waitForLine: (text: string) => Promise<void>;
}

/**
 * Runs an entry in its own Node process (TypeScript through tsx, JavaScript as is) and waits for
 * its "listening" log line.
 */
export async function spawnService(
  entry: string,
  env: Record<string, string> = {},
): Promise<Spawned> {
  const path = isAbsolute(entry) ? entry : join(ROOT, entry);
  const args = path.endsWith('.ts') ? ['--import', 'tsx', path] : [path];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  /** Resolves with what `find` finds in the output, as soon as it is there. */
  const outputHas = <T>(what: string, find: (output: string) => T | undefined) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${what} line from ${entry}:\n${output}`)),
        15000,
      );
      const onData = () => {
        const found = find(output);
        if (found === undefined) return;
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        resolve(found);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${entry} exited with ${code}:\n${output}`));
      });
      onData();
    });
  const port = await outputHas('listening', (out) => {
    const match = /"port":(\d+)[^\n]*cx-webhook listening/.exec(out);
    return match ? Number(match[1]) : undefined;
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    exited,
    waitForLine: async (text) => {
      await outputHas(`"${text}"`, (out) => (out.includes(text) ? true : undefined));
    },
  };
}

/** Resolves with the exit code, or 'running' if the process is still alive after `ms`. */
export async function exitWithin(svc: Pick<Spawned, 'exited'>, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      svc.exited,
      new Promise<'running'>((resolve) => (timer = setTimeout(() => resolve('running'), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A webhook call with just a tag, as the fixture servers' handlers are chosen. */
export const postTag = (url: string, tag: string) =>
  fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ fulfillmentInfo: { tag } }),
  });
