import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { killSpawned, spawnService } from '../../helpers/spawnService';

// 320 connections that each pipeline a 64 KiB read's worth of `GET /health` (~2,000 requests, no
// credentials needed) and never read their answers, against a real process. Node parses every
// request of a read before the service can close the connection, so the burst costs CPU (tens of
// ms per read) and a transient peak, during which legitimate calls wait; what the service
// guarantees is that it holds no connection: every such connection is closed and legitimate calls
// succeed again. Prints the figures (docs/http.md quotes them).

afterAll(killSpawned);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
};
const HEALTH = 'GET /health HTTP/1.1\r\nhost: x\r\n\r\n'.repeat(2000);
const call = (url: string) =>
  fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ fulfillmentInfo: { tag: 'fast' } }),
    signal: AbortSignal.timeout(5000),
  }).then(
    (res) => res.status,
    () => 0,
  );

describe('clients that never read (a real process)', () => {
  it('closes 320 such connections and serves legitimate calls again once their reads are parsed', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts');
    const pid = svc.child.pid as number;
    const { port } = new URL(svc.url);
    const start = rssMb(pid);
    const sockets: Socket[] = [];
    const closed = Array.from({ length: 320 }, () => {
      const socket = connect(Number(port), '127.0.0.1');
      sockets.push(socket);
      socket.pause(); // never reads
      socket.on('error', () => undefined);
      socket.on('connect', () => socket.write(HEALTH));
      return new Promise<void>((resolve) => socket.once('close', () => resolve()));
    });
    let peak = start;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
    // Legitimate calls until one is answered within 5 s: the burst has been worked through.
    const burstAt = Date.now();
    let status = 0;
    while (status !== 200 && Date.now() - burstAt < 90_000) status = await call(svc.url);
    const servedAfterMs = Date.now() - burstAt;
    // A paused socket does not notice its close: read at last and see.
    for (const socket of sockets) socket.resume();
    const allClosed = await Promise.race([
      Promise.all(closed).then(() => true),
      sleep(5000).then(() => false),
    ]);
    const t = Date.now();
    const callMs = (await call(svc.url)) === 200 ? Date.now() - t : NaN;
    await sleep(3000);
    clearInterval(sampler);
    const after = rssMb(pid);
    for (const socket of sockets) socket.destroy();
    console.log(
      `slow readers: RSS ${start.toFixed(0)} MB at start, peak ${peak.toFixed(0)} MB during the ` +
        `burst, ${after.toFixed(0)} MB after it; all 320 closed by the service: ${allClosed}; ` +
        `legitimate calls answered again ${servedAfterMs} ms after the burst, then in ${callMs} ms`,
    );
    expect(allClosed).toBe(true);
    expect(status).toBe(200);
    expect(callMs).toBeLessThan(1000);
    // Not asserted, reported: the peak and the resident set after (V8 keeps the heap it grew),
    // which stay far above 150 MB for a burst this size; docs/http.md says so.
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
  }, 150_000);
});
