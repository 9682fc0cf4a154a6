import { Deadline, safetyMarginMs, type LateOutcome } from '../../../service/protocol/deadline';
import { WebhookError } from '../../../service/protocol/errors';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HANDLER = 'while waiting for the handler';

describe('Deadline', () => {
  const open: Deadline[] = [];
  const deadline = (inMs: number) => {
    const d = new Deadline(Date.now() + inMs);
    open.push(d);
    return d;
  };
  afterEach(() => open.splice(0).forEach((d) => d.dispose()));

  it('keeps 10% of the timeout, between 200 ms and 1 s', () => {
    expect([1000, 5000, 30000].map(safetyMarginMs)).toEqual([200, 500, 1000]);
  });

  it('passes on a result that comes in time', async () => {
    await expect(deadline(1000).within(Promise.resolve('ok'), HANDLER)).resolves.toBe('ok');
  });

  it('passes on a rejection that comes in time, as it is', async () => {
    await expect(deadline(1000).within(Promise.reject(new Error('boom')), HANDLER)).rejects.toThrow(
      'boom',
    );
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what JavaScript handlers may do
    await expect(deadline(1000).within(Promise.reject('text'), HANDLER)).rejects.toBe('text');
  });

  it('rejects with a 503 at the deadline, aborts the signal, and reports the late result', async () => {
    const late: LateOutcome[] = [];
    const d = deadline(30);
    const seen = d.signal;
    const pending = d.within(
      sleep(80).then(() => 'too late'),
      HANDLER,
      (o) => late.push(o),
    );
    await expect(pending).rejects.toEqual(
      expect.objectContaining({ status: 503, message: `the deadline passed ${HANDLER}` }),
    );
    expect(seen.aborted).toBe(true);
    expect(seen.reason).toBeInstanceOf(WebhookError);
    await sleep(100);
    expect(late).toEqual([{ kind: 'resolved' }]);
  });

  it('must not pass on a result that arrives after the deadline before the timer could fire', async () => {
    const d = deadline(20);
    const late: LateOutcome[] = [];
    // The event loop is blocked past the deadline; the result then arrives through a microtask.
    const blocked = Promise.resolve().then(() => {
      const until = Date.now() + 60;
      while (Date.now() < until);
      return 'late';
    });
    await expect(d.within(blocked, HANDLER, (o) => late.push(o))).rejects.toThrow(
      `the deadline passed ${HANDLER}`,
    );
    expect(late).toEqual([{ kind: 'resolved' }]);
  });

  it('says the deadline passed while it waited, when the work was done but the event loop ran it late', async () => {
    const d = deadline(20);
    // Authentication itself is quick; the loop was blocked by other work until past the deadline.
    const until = Date.now() + 60;
    while (Date.now() < until);
    await expect(
      d.within(Promise.resolve('caller'), 'while authenticating the caller'),
    ).rejects.toThrow('the deadline passed while authenticating the caller');
  });

  it('refuses to start work once expired, by the clock', () => {
    const d = deadline(0);
    const until = Date.now() + 5;
    while (Date.now() < until);
    expect(() => d.check('before the handler could start')).toThrow(
      'the deadline passed before the handler could start',
    );
  });

  it('hands out an already aborted signal to work that asks after the deadline', async () => {
    const d = deadline(10);
    await sleep(30);
    expect(d.signal.aborted).toBe(true);
  });

  it('gives up at once with the shutdown reason on stopNow, and tells the onStop listeners', async () => {
    const d = deadline(5000);
    const told: string[] = [];
    d.onStop(() => told.push('stopped'));
    const pending = d.within(new Promise(() => undefined), HANDLER);
    d.stopNow(new WebhookError(503, 'the service is shutting down'));
    await expect(pending).rejects.toThrow('the service is shutting down');
    expect(told).toEqual(['stopped']);
    expect(d.signal.aborted).toBe(true);
    expect(() => d.check('x')).toThrow('the service is shutting down');
  });
});
