import { performance } from 'node:perf_hooks';

/** How often the heartbeat ticks: the shortest event-loop stall it notices is twice this. */
const TICK_MS = 50;
/** Time spent running rather than waiting for I/O between two ticks beyond which the loop stalled. */
const STALL_MS = 2 * TICK_MS;

let heartbeat: NodeJS.Timeout | undefined;
let lastTick = 0;
let lastActive = 0;
/** From the tick that finds a stall until the first poll for I/O after it is done: when it began. */
let stalledSince: number | undefined;
/** A connection was accepted while stalledSince is set. */
let acceptedAfterStall = false;

const activeMs = () => performance.eventLoopUtilization().active;

/** Called on every tick with the time of the tick before it. */
const listeners = new Set<(since: number) => void>();

function tick(): void {
  const now = Date.now();
  const active = activeMs();
  const stalled = active - lastActive > STALL_MS;
  // Bytes found now were read since the tick before; if the loop stalled (now or just before),
  // they may have waited unread since the stall began. A late tick with the loop idle (a
  // throttled CPU) says nothing about when they came: they were read as soon as they did.
  const since = stalled ? lastTick : Math.max(lastTick, now - STALL_MS);
  if (stalled) {
    stalledSince = lastTick;
    setImmediate(afterStall);
  }
  lastTick = now;
  lastActive = active;
  for (const listener of listeners) listener(since);
}

/**
 * Runs once the first poll for I/O after a stall is done (immediates run right after it): what that
 * poll read may have waited through the stall, so the listeners date it from the stall's start;
 * anything read later came after the stall ended and must not be dated from it.
 */
function afterStall(): void {
  const since = stalledSince;
  if (since === undefined) return;
  for (const listener of listeners) listener(since);
  // A connection accepted in that poll has its first bytes read only in the next one.
  if (acceptedAfterStall) {
    acceptedAfterStall = false;
    setImmediate(afterStall);
  } else stalledSince = undefined;
}

/**
 * To be called when a connection is accepted: one accepted right after a stall was made during it,
 * and its first bytes (read a poll later) may have waited through it too.
 */
export function accepted(): void {
  if (stalledSince !== undefined) acceptedAfterStall = true;
}

/**
 * Calls `listener` on every tick of the process's one heartbeat (unref'd: it never keeps the
 * process alive), and once more after the first poll for I/O following a stall, with the earliest
 * time anything it finds new can have arrived. Returns a function
 * that takes it off again.
 */
export function everyTick(listener: (since: number) => void): () => void {
  if (!heartbeat) {
    lastTick = Date.now();
    lastActive = activeMs();
    heartbeat = setInterval(tick, TICK_MS).unref();
  }
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * The earliest time bytes read now can have arrived. Usually now; but while the event loop was
 * stalled (a handler computing synchronously), what the caller sent waited unread, so the answer
 * is when the stall began. Time the process spent idle (or with its CPU throttled, as Cloud Run
 * does between requests) is not a stall: nothing waited.
 */
export function arrivedBy(now: number): number {
  if (heartbeat === undefined) return now;
  if (now - lastTick > STALL_MS) {
    // The tick is overdue: the loop is stalled or was idle; only time spent running tells which.
    return activeMs() - lastActive > STALL_MS ? lastTick : now;
  }
  return stalledSince === undefined ? now : Math.min(now, stalledSince);
}
