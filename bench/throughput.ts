import autocannon from 'autocannon';
import {
  generateKey,
  LOCAL_SERVICE_AGENT,
  serviceAgentClaims,
  signJwt,
  startCertsServer,
} from '../scripts/localIdp';
import { NODE_OPTIONS } from '../infra/webhookEnv';
import { fixtureText } from '../test/helpers/fixtures';
import { buildBaseline, writeDeployableBundle } from './lib/build';
import { cpuMicros, peakRssBytes, startServer, type RunningServer } from './lib/processes';
import { round } from './lib/stats';

export interface ThroughputRow {
  server: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** The server process's own CPU time (user + system) per answered request, in the measured load. */
  cpuUsPerRequest: number;
  /** The highest resident set the server reached, including a load at `memoryConnections`. */
  peakRssMB: number;
}

export interface ThroughputOptions {
  /** Passes over all servers, in alternating order. */
  rounds: number;
  durationSeconds: number;
  connections: number;
  warmupSeconds: number;
  /** Concurrency of the memory load: what one instance is given (Cloud Run's maxInstanceRequestConcurrency). */
  memoryConnections: number;
  memorySeconds: number;
}

/** A realistic ~2 KB WebhookRequest for the `greeting` handler, the same for every server. */
export function benchRequestBody(): string {
  const request = JSON.parse(fixtureText('text-form.camel')) as Record<string, unknown>;
  request.fulfillmentInfo = { tag: 'greeting' };
  delete request.messages;
  return JSON.stringify(request);
}

const AUDIENCE = 'https://cx-webhook-bench-123456789012.us-central1.run.app';

async function load(
  server: RunningServer,
  headers: Record<string, string>,
  body: string,
  options: ThroughputOptions,
) {
  const pid = server.child.pid as number;
  const base = {
    url: server.url,
    connections: options.connections,
    method: 'POST' as const,
    body,
    headers: { 'content-type': 'application/json', ...headers },
  };
  // Warm-up: JIT, connection set-up and (for id-token) the verified-token cache; not measured.
  await autocannon({ ...base, duration: options.warmupSeconds });
  const cpuBefore = cpuMicros(pid);
  const result = await autocannon({ ...base, duration: options.durationSeconds });
  const cpuUsed = cpuMicros(pid) - cpuBefore;
  // Then as many requests in flight as one instance is allowed, for the memory high-water mark.
  await autocannon({
    ...base,
    connections: options.memoryConnections,
    duration: options.memorySeconds,
  });
  return { result, cpuUsPerRequest: cpuUsed / Math.max(1, result.requests.total) };
}

/**
 * Loads each server in turn on loopback, with the same body and connection count, and reports
 * requests/s, latency and the server's memory after the run.
 */
export async function measureThroughput(
  options: ThroughputOptions,
): Promise<{ rows: ThroughputRow[]; bodyBytes: number }> {
  const body = benchRequestBody();
  const key = generateKey();
  const certs = await startCertsServer([key]);
  const token = signJwt(key, serviceAgentClaims(AUDIENCE));
  const [header, payload] = token.split('.');
  const bundle = writeDeployableBundle().path;
  const servers: {
    name: string;
    file: string;
    env?: Record<string, string>;
    headers?: Record<string, string>;
  }[] = [
    { name: 'raw node:http (baseline)', file: buildBaseline('rawNode') },
    { name: 'Express 5 + express.json() (baseline)', file: buildBaseline('expressJson') },
    { name: 'cx-webhook, auth none', file: bundle, env: { NODE_OPTIONS } },
    {
      name: 'cx-webhook, auth platform',
      file: bundle,
      env: { NODE_OPTIONS, WEBHOOK_AUTH: 'platform', WEBHOOK_ALLOWED_CALLERS: LOCAL_SERVICE_AGENT },
      headers: { authorization: `Bearer ${header}.${payload}.SIGNATURE_REMOVED_BY_GOOGLE` },
    },
    {
      name: 'cx-webhook, auth id-token (cache warm)',
      file: bundle,
      env: {
        NODE_OPTIONS,
        WEBHOOK_AUTH: 'id-token',
        WEBHOOK_ALLOWED_CALLERS: LOCAL_SERVICE_AGENT,
        WEBHOOK_AUDIENCE: AUDIENCE,
        WEBHOOK_ID_TOKEN_CERTS_URL: certs.url,
      },
      headers: { authorization: `Bearer ${token}` },
    },
    // The same service on Node's default heap settings, to show what NODE_OPTIONS buys.
    { name: 'cx-webhook, auth none, Node defaults', file: bundle },
  ];
  // Each server runs once per round; rounds alternate the order, so a shared machine's drift
  // (and whatever runs before a server) weighs on every row alike. Figures are means over rounds;
  // the peak resident set is the highest seen.
  const runs = new Map<string, ThroughputRow[]>(servers.map((s) => [s.name, []]));
  try {
    for (let round_ = 0; round_ < options.rounds; round_++) {
      const order = round_ % 2 === 0 ? servers : [...servers].reverse();
      for (const s of order) {
        const server = await startServer(s.file, s.env);
        try {
          // Dialogflow sends its ID token on every call, whatever the service does with it, so
          // every server gets one: the rows differ only in what they do, not in what they receive.
          const { result, cpuUsPerRequest } = await load(
            server,
            s.headers ?? { authorization: `Bearer ${token}` },
            body,
            options,
          );
          runs.get(s.name)?.push({
            server: s.name,
            requestsPerSecond: result.requests.average,
            p50Ms: result.latency.p50,
            p99Ms: result.latency.p99,
            errors: result.errors + result.timeouts + result.non2xx,
            cpuUsPerRequest,
            peakRssMB: peakRssBytes(server.child.pid as number) / 1e6,
          });
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    await certs.close();
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rows = servers.map(({ name }): ThroughputRow => {
    const r = runs.get(name) ?? [];
    return {
      server: name,
      requestsPerSecond: round(mean(r.map((x) => x.requestsPerSecond)), 0),
      p50Ms: round(mean(r.map((x) => x.p50Ms))),
      p99Ms: round(mean(r.map((x) => x.p99Ms))),
      errors: r.reduce((a, x) => a + x.errors, 0),
      cpuUsPerRequest: round(mean(r.map((x) => x.cpuUsPerRequest))),
      peakRssMB: round(Math.max(...r.map((x) => x.peakRssMB))),
    };
  });
  return { rows, bodyBytes: Buffer.byteLength(body) };
}
