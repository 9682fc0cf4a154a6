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
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no listening line from ${entry}:\n${output}`)),
      15000,
    );
    const onData = () => {
      const match = /"port":(\d+)[^\n]*cx-webhook listening/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code}:\n${output}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

/** Resolves with the exit code, or 'running' if the process is still alive after `ms`. */
export const exitWithin = (svc: Spawned, ms: number) =>
  Promise.race([
    svc.exited,
    new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), ms)),
  ]);

/** A webhook call with just a tag, as the fixture servers' handlers are chosen. */
export const postTag = (url: string, tag: string) =>
  fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ fulfillmentInfo: { tag } }),
  });
