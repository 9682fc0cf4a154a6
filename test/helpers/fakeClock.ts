import { performance } from 'node:perf_hooks';
import { setTimeout as realDelay } from 'node:timers/promises';
import type { RawConnection } from './rawHttp';

/** A clock that moves only when the tool under test sleeps, so waits are checked exactly and at once. */
export function fakeClock() {
  let clock = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => clock,
    sleep: (ms: number) => {
      sleeps.push(ms);
      clock += ms;
      return Promise.resolve();
    },
  };
}

/**
 * Fakes `Date` and the timers the code under test schedules (its deadlines, drain caps, sweeps),
 * so they fire only when the test moves the clock. Node's sockets keep their own real timers, and
 * `setImmediate`/`nextTick` stay real, so I/O on loopback still flows.
 */
export function useFakeClock(): void {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
}

/**
 * Whether `promise` settles within `realMs` of real time. Under a fake clock nothing moves it
 * meanwhile, so `true` says the promise settled without any of the code's timers firing.
 */
export async function settlesWithin(promise: Promise<unknown>, realMs = 5000) {
  const timer = new AbortController();
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    realDelay(realMs, false, { signal: timer.signal }).catch(() => false),
  ]);
  timer.abort();
  return settled;
}

/** Real time for loopback I/O to happen, with the fake clock standing still. */
export const realPause = (ms = 50) => realDelay(ms);

/**
 * Polls `done` every 10 ms of real time until it holds; rejects, naming `what` (by default the
 * function's source), if `realMs` pass first.
 */
export async function realUntil(
  done: () => boolean,
  what = String(done),
  realMs = 5000,
): Promise<void> {
  for (const started = performance.now(); !done(); await realDelay(10)) {
    if (performance.now() - started > realMs) {
      throw new Error(`waited ${realMs} ms of real time for ${what}, in vain`);
    }
  }
}

/** Whether `conn` receives an answer within `realMs` of real time. */
export const answered = (conn: RawConnection, realMs = 5000) =>
  conn.waitFor((c) => c.responses().length > 0, realMs);
