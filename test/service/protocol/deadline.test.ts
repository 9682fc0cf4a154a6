import {
  runWithDeadline,
  safetyMarginMs,
  type LateOutcome,
} from '../../../service/protocol/deadline';
import { WebhookError } from '../../../service/protocol/errors';

describe('runWithDeadline', () => {
  it('keeps 10% of the timeout, between 200 ms and 1 s', () => {
    expect([1000, 5000, 30000].map(safetyMarginMs)).toEqual([200, 500, 1000]);
  });

  it('resolves with the result when it comes in time', async () => {
    await expect(
      runWithDeadline(
        () => 'ok',
        Date.now() + 1000,
        () => undefined,
      ),
    ).resolves.toBe('ok');
  });

  it('turns a synchronous throw into a rejection', async () => {
    const boom = () => {
      throw new Error('boom');
    };
    await expect(runWithDeadline(boom, Date.now() + 1000, () => undefined)).rejects.toThrow('boom');
  });

  it('rejects with a 503 at the deadline, aborts the signal, and reports the late result', async () => {
    const late: LateOutcome[] = [];
    let seen: AbortSignal | undefined;
    const pending = runWithDeadline(
      (signal) => {
        seen = signal();
        return new Promise((resolve) => setTimeout(() => resolve('too late'), 80));
      },
      Date.now() + 30,
      (outcome) => late.push(outcome),
    );
    await expect(pending).rejects.toEqual(expect.objectContaining({ status: 503 }));
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(WebhookError);
    await new Promise((r) => setTimeout(r, 100));
    expect(late).toEqual([{ kind: 'resolved' }]);
  });

  it('hands out an already aborted signal to a handler that asks after the deadline', async () => {
    let later: AbortSignal | undefined;
    const pending = runWithDeadline(
      (signal) => new Promise((resolve) => setTimeout(() => resolve((later = signal())), 60)),
      Date.now() + 20,
      () => undefined,
    );
    await expect(pending).rejects.toThrow('deadline');
    await new Promise((r) => setTimeout(r, 80));
    expect(later?.aborted).toBe(true);
  });
});
