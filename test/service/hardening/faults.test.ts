import { logFault } from '../../../service/protocol/errorEvent';
import type { WebhookHandler } from '../../../service/protocol/handler';
import { reply } from '../../../service/responses';
import { memoryLogger, startApp, type LiveApp } from '../../helpers/liveApp';
import { killSpawned, spawnService } from '../../helpers/spawnService';

// Whatever a handler throws or rejects with, the fault path is total: one bounded JSON line, the
// contract's 500 in time, exactly one request line, and the request's bytes back in the budget.

afterAll(killSpawned);

/** Values String() and the usual error formatting cannot turn into text. */
function hostileValues(): [string, () => unknown][] {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  return [
    ['a null-prototype object', () => Object.create(null) as unknown],
    ['a revoked Proxy', () => revoked.proxy],
    [
      'an object whose toString throws',
      () => ({
        toString() {
          throw new Error('no string for you');
        },
      }),
    ],
    [
      'an Error whose stack getter throws',
      () => {
        const error = new Error('x'.repeat(800_000));
        Object.defineProperty(error, 'stack', {
          get() {
            throw new Error('no stack');
          },
        });
        return error;
      },
    ],
    [
      'an Error whose stack is not a string',
      () => Object.assign(new Error('odd'), { stack: { frames: 1 } }),
    ],
    ['a Symbol', () => Symbol('s')],
    ['undefined', () => undefined],
    ['a huge string', () => 'y'.repeat(900_000)],
  ];
}

describe('logFault, whatever the value', () => {
  it.each(hostileValues())('%s → one line with a bounded message, no throw', (_name, make) => {
    const log = memoryLogger();
    logFault(log.logger, 'error', make(), undefined, {});
    const [line, ...more] = log.lines();
    expect(more).toEqual([]);
    expect(typeof line.message).toBe('string');
    expect((line.message as string).length).toBeGreaterThan(0);
    expect((line.message as string).length).toBeLessThanOrEqual(33 * 1024);
  });
});

describe('a handler that throws or rejects a value String() cannot convert (concurrency 1)', () => {
  let app: LiveApp;
  let current: () => unknown = () => undefined;
  const throwing: WebhookHandler = () => {
    throw current();
  };
  const rejecting: WebhookHandler = async () => {
    await new Promise((r) => setImmediate(r));
    throw current();
  };
  const echo: WebhookHandler = () => reply().text('ok').build();
  beforeAll(async () => {
    // One request's worth of body budget: a body lost from it would refuse the next large one.
    app = await startApp({
      handlers: { throwing, rejecting, echo },
      env: { WEBHOOK_CONCURRENCY: '1', WEBHOOK_TIMEOUT_MS: '2000' },
    });
  });
  afterAll(() => app.close());

  const padded = (tag: string) =>
    JSON.stringify({ fulfillmentInfo: { tag }, text: 'p'.repeat(900 * 1024) });

  it.each(
    hostileValues().flatMap(([name, make]) =>
      ['throwing', 'rejecting'].map((tag) => ({ name, make, tag })),
    ),
  )(
    '$tag $name → JSON 500 in time, one request line, the budget released',
    async ({ make, tag }) => {
      current = make;
      const before = app.logs().length;
      const res = await app.post(padded(tag));
      // A 500, not the deadline's 503: the fault was answered in time.
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: { status: 500, message: 'the handler failed' } });
      const lines = app.logs().slice(before);
      expect(lines.filter((l) => l.message === 'webhook request failed')).toEqual([
        expect.objectContaining({ status: 500, tag }),
      ]);
      for (const line of lines) expect(JSON.stringify(line).length).toBeLessThan(40 * 1024);
      // The 900 KiB body of the failed request is no longer counted: another fits.
      const next = await app.post(padded('echo'));
      expect(next.status).toBe(200);
    },
  );
});

describe('a response the service cannot serialise', () => {
  let app: LiveApp;
  const deep: WebhookHandler = () => {
    let value: Record<string, unknown> = {};
    const root = value;
    for (let i = 0; i < 100_000; i++) value = value.next = {};
    return reply()
      .payload({ root } as never)
      .build();
  };
  beforeAll(async () => {
    app = await startApp({ handlers: { deep } });
  });
  afterAll(() => app.close());

  it('says the service’s serialisation failed, not the handler', async () => {
    const res = await app.post(JSON.stringify({ fulfillmentInfo: { tag: 'deep' } }));
    expect(res.status).toBe(500);
    const { error } = (await res.json()) as { error: { message: string } };
    expect(error.message).not.toBe('the handler failed');
    expect(error.message).toMatch(/serialis/);
    const line = app.logs().find((l) => l.message === 'webhook request failed');
    expect(line?.reason).toMatch(/serialis/);
  });
});

describe('faults outside any request, in a real process', () => {
  const post = (url: string, tag: string, kind: string) =>
    fetch(`${url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fulfillmentInfo: { tag }, sessionInfo: { parameters: { kind } } }),
    });
  const jsonLines = (output: string) =>
    output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  const KINDS = ['null-prototype', 'revoked-proxy', 'throwing-tostring', 'throwing-stack'];

  it('callbacks throwing such values: one bounded JSON fault line each, the drain, exit 1', async () => {
    // Every call is answered before the first throw, and a request in flight holds the drain
    // open while the rest land.
    const svc = await spawnService('test/fixtures/testServer.ts', {
      THROW_AFTER_MS: '500',
      SLOW_MS: '1500',
    });
    const inFlight = post(svc.url, 'slow', '');
    const statuses = await Promise.all(KINDS.map((kind) => post(svc.url, 'throw-odd-later', kind)));
    expect(statuses.map((r) => r.status)).toEqual(KINDS.map(() => 200));
    expect((await inFlight).status).toBe(200);
    expect(await svc.exited).toBe(1);
    const faults = jsonLines(svc.output()).filter((l) => l.fault === 'uncaught exception');
    expect(faults).toHaveLength(KINDS.length);
    for (const fault of faults) expect(String(fault.message).length).toBeLessThanOrEqual(33 * 1024);
  });

  it('forgotten rejections with such values: one JSON line each, and the process serves on', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts');
    for (const kind of KINDS) {
      expect((await post(svc.url, 'reject-odd-later', kind)).status).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect((await post(svc.url, 'fast', '')).status).toBe(200);
    const faults = jsonLines(svc.output()).filter((l) => l.fault === 'unhandled promise rejection');
    expect(faults).toHaveLength(KINDS.length);
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
  });
});
