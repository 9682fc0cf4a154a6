import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { killSpawned, spawnService } from '../../helpers/spawnService';

// 320 connections that pipeline `GET /health` (no credentials needed) and never read their
// answers, for 10 s, against a real process: its memory stays bounded and a legitimate call still
// succeeds in time. Prints the figures.

afterAll(killSpawned);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
};
const HEALTH = 'GET /health HTTP/1.1\r\nhost: x\r\n\r\n'.repeat(2000);

describe('clients that never read (a real process)', () => {
  it('keeps RSS under 150 MB with 320 such connections for 10 s, and serves a legitimate call', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts', { WEBHOOK_TIMEOUT_MS: '5000' });
    const pid = svc.child.pid as number;
    const { port } = new URL(svc.url);
    const start = rssMb(pid);
    let stop = false;
    const sockets = new Set<Socket>();
    let reconnects = 0;
    const flood = () => {
      if (stop) return;
      const socket = connect(Number(port), '127.0.0.1');
      sockets.add(socket);
      socket.pause(); // never reads
      const again = () => {
        sockets.delete(socket);
        reconnects++;
        setTimeout(flood, 50);
      };
      socket.on('error', () => undefined);
      socket.once('close', again);
      const write = () => {
        if (!stop && socket.writable && socket.write(HEALTH)) setTimeout(write, 20);
      };
      socket.on('connect', write);
      socket.on('drain', write);
    };
    for (let i = 0; i < 320; i++) flood();
    let peak = start;
    const latencies: number[] = [];
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      await sleep(500);
      peak = Math.max(peak, rssMb(pid));
      const t = Date.now();
      const res = await fetch(`${svc.url}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ fulfillmentInfo: { tag: 'fast' } }),
        signal: AbortSignal.timeout(5000),
      });
      expect(res.status).toBe(200);
      latencies.push(Date.now() - t);
    }
    stop = true;
    for (const socket of sockets) socket.destroy();
    console.log(
      `slow readers: RSS ${start.toFixed(0)} MB at start, peak ${peak.toFixed(0)} MB; ` +
        `${reconnects} connections closed by the service; legitimate call max ${Math.max(...latencies)} ms`,
    );
    expect(peak).toBeLessThan(150);
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
  }, 60_000);
});
