import { fixtureText } from '../helpers/fixtures';
import { killSpawned, spawnService } from '../helpers/spawnService';

afterAll(killSpawned);

const post = (url: string, tag: string) =>
  fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ fulfillmentInfo: { tag } }),
  });

describe('serve() in a real process', () => {
  it('on SIGTERM finishes the request in flight, refuses new connections and exits 0', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts', { SLOW_MS: '600' });
    const inFlight = post(svc.url, 'slow');
    await svc.waitForLine('slow handler started');
    svc.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    await expect(post(svc.url, 'fast')).rejects.toThrow();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      fulfillmentResponse: { messages: [{ text: { text: ['slow done'] } }] },
    });
    expect(await svc.exited).toBe(0);
    expect(svc.output()).toContain('drained; exiting');
  });

  it('survives a background rejection after the response and logs it', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts');
    try {
      expect((await post(svc.url, 'late-reject')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 100));
      expect((await post(svc.url, 'fast')).status).toBe(200);
      expect(svc.output()).toContain('unhandled promise rejection');
    } finally {
      svc.child.kill('SIGTERM');
      await svc.exited;
    }
  });
});

describe('service/main.ts', () => {
  it('serves the example handlers on loopback and exits 0 on SIGTERM', async () => {
    const svc = await spawnService('service/main.ts', { PORT: '0' });
    const res = await fetch(`${svc.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: fixtureText('text-form.camel'),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sessionInfo: { parameters: { order_number: '123456' } } });
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
  });

  it('refuses to start with a configuration error that names the variable', async () => {
    await expect(
      spawnService('service/main.ts', { PORT: '0', K_SERVICE: 'cx-webhook' }),
    ).rejects.toThrow(/exited with 1:[\s\S]*WEBHOOK_AUTH is required where K_SERVICE is set/);
  });
});
