import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/spawnService';

// A process manager or an editor stops `npm run …` by sending SIGTERM to npm alone. npm passes the
// signal to its child (@npmcli/run-script's signal-manager); what that child leaves running keeps
// the port bound. Linux only: descendants are read from /proc.

/** The PIDs of every process below `pid`, from /proc/<pid>/stat (field 4 is the parent). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const below = (p: number): number[] => (parents.get(p) ?? []).flatMap((c) => [c, ...below(c)]);
  return below(pid);
}

/**
 * The command lines of the processes still running. A zombie has ended: it holds no port, and
 * waits only for a parent to collect its status (in a container whose first process never does,
 * for good).
 */
const running = (pids: number[]) =>
  pids.flatMap((pid) => {
    try {
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0];
      return state === 'Z'
        ? []
        : [readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')];
    } catch {
      return [];
    }
  });

/**
 * What is still running of `pids` once they have had a moment to end: a helper process (esbuild's
 * service, which tsx starts on a cold cache) ends when it sees its parent's pipe close.
 */
async function leftOver(pids: number[]): Promise<string[]> {
  for (let i = 0; i < 50 && running(pids).length > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return running(pids);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** Every process the tests saw below npm, so that a failed test leaves none behind. */
const started: { pid: number; command: string[] }[] = [];
afterEach(() => {
  for (const { pid, command } of started.splice(0)) {
    // Only the same process: its PID may have been given to another since.
    if (running([pid])[0] !== command[0]) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  }
});

/** Starts `npm run <args>`, waits for `ready` in its output, SIGTERMs npm and waits for its exit. */
async function runAndStop(args: string[], env: NodeJS.ProcessEnv, ready: RegExp) {
  const npm = spawn('npm', ['run', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  let output = '';
  const exited = new Promise<void>((r) => npm.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (ready.test(output)) resolve();
    };
    npm.stdout.on('data', onData);
    npm.stderr.on('data', onData);
    npm.once('exit', () => reject(new Error(`npm ended before it was ready:\n${output}`)));
  });
  const children = descendants(npm.pid as number);
  started.push(...children.map((pid) => ({ pid, command: running([pid]) })));
  npm.kill('SIGTERM');
  await exited;
  return { children, output };
}

describe('npm run dev and npm run local-idp stop with the signal that stops npm', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'cx-signals-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('local-idp: no process left, the port free', async () => {
    const port = await freePort();
    const { children } = await runAndStop(
      ['local-idp', '--', '--port', String(port), '--key', join(dir, 'key.pem')],
      {},
      /local certs for kid/,
    );
    expect(children.length).toBeGreaterThan(0);
    expect(await leftOver(children)).toEqual([]);
    expect(await accepts(port)).toBe(false);
  }, 60_000);

  it('dev: the watcher, the service and the log formatter all end, the port free', async () => {
    const port = await freePort();
    const { children, output } = await runAndStop(
      ['dev'],
      { PORT: String(port), HOST: '127.0.0.1' },
      /cx-webhook listening/,
    );
    // The watcher's service is below npm, and it drained (its last line went through pino-pretty).
    expect(children.length).toBeGreaterThan(1);
    expect(output).toMatch(/INFO: drained; exiting/);
    expect(await leftOver(children)).toEqual([]);
    expect(await accepts(port)).toBe(false);
  }, 60_000);
});
