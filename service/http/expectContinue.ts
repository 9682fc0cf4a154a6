import type { IncomingMessage, ServerResponse } from 'node:http';

// Requests whose caller waits for `100 Continue` before sending the body. The server marks them
// (Node's 'checkContinue' event) instead of letting Node answer at once; the body reader sends
// the interim answer only once the caller has passed authentication.
const awaiting = new WeakSet<IncomingMessage>();

export function awaitContinue(req: IncomingMessage): void {
  awaiting.add(req);
}

/** Whether the caller still waits for `100 Continue` (it will not send the body before). */
export function isAwaitingContinue(req: IncomingMessage): boolean {
  return awaiting.has(req);
}

export function sendContinueIfAwaited(req: IncomingMessage, res: ServerResponse): void {
  if (!awaiting.delete(req)) return;
  if (!res.headersSent && !res.writableEnded) res.writeContinue();
}
