import { Writable } from 'node:stream';
import { createAuthenticator } from '../service/auth/authenticator';
import { platformStrategy } from '../service/auth/platform';
import { createHandlers, demoOrders, fallback } from '../service/handlers';
import { createLogger } from '../service/logging';
import { createWebhookCore } from '../service/protocol/core';
import { normalizeRequest } from '../service/protocol/normalize';
import {
  forwardedByCloudRun,
  generateKey,
  LOCAL_SERVICE_AGENT,
  serviceAgentClaims,
  signJwt,
} from '../scripts/localIdp';
import { AUDIENCE, benchRequestBody } from './lib/deployment';
import { median, round } from './lib/figures';

/** CPU µs per call of `fn` after a warm-up: the median of 7 batches, so no one batch decides. */
async function cpuPerCall(fn: () => unknown, calls: number): Promise<number> {
  for (let i = 0; i < calls; i++) await fn();
  const perBatch: number[] = [];
  for (let b = 0; b < 7; b++) {
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i++) await fn();
    const used = process.cpuUsage(start);
    perBatch.push((used.user + used.system) / calls);
  }
  return round(median(perBatch), 1);
}

/**
 * What the parts of one request cost in this process, without HTTP: the bench's request parsed,
 * checked against the WebhookRequest schema, run through the whole protocol core (auth, parse,
 * checks, routing, the handler, the response checked and serialised) with no log line and with the
 * request's log line written to a stream that discards it. Set against the servers' CPU per
 * request, it shows how much of the gap to raw node:http is the work the contract asks for.
 */
export async function measureCosts(calls = 20_000): Promise<{ part: string; cpuUs: number }[]> {
  const body = Buffer.from(benchRequestBody());
  const parsed: unknown = JSON.parse(body.toString('utf8'));
  // The service agent's token as Cloud Run forwards it, as authModes() builds it for `platform`:
  // that mode reads the claims only, so no certs server is needed.
  const token = forwardedByCloudRun(signJwt(generateKey(), serviceAgentClaims(AUDIENCE)));
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const platform = platformStrategy({
    allowedCallers: [LOCAL_SERVICE_AGENT],
    audiences: [AUDIENCE],
  });
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  const core = (logged: boolean) => {
    const handle = createWebhookCore({
      handlers: createHandlers({ orders: demoOrders }),
      fallback,
      timeoutMs: 5000,
      authenticate: createAuthenticator([platform]),
      logger: createLogger({ level: logged ? 'info' : 'error', destination: discard }),
    });
    return () => handle({ headers, body, receivedAt: Date.now() });
  };
  // Measure the answered path, not a refusal.
  const answer = await core(false)();
  if (answer.status !== 200) throw new Error(`the core answered ${answer.status}: ${answer.body}`);
  const parts: [string, () => unknown][] = [
    ['JSON.parse of the request', (): unknown => JSON.parse(body.toString('utf8'))],
    ['the request checked against the WebhookRequest schema', () => normalizeRequest(parsed)],
    ['auth platform: the forwarded claims checked', () => platform.authenticate(headers)],
    ['the protocol core end to end (auth platform), no log line (level error)', core(false)],
    ['the same with its request log line', core(true)],
  ];
  const rows = [];
  for (const [part, fn] of parts) rows.push({ part, cpuUs: await cpuPerCall(fn, calls) });
  return rows;
}
