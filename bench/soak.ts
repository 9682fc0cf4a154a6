// npm run bench:soak [-- --minutes 10 --interval 10 --auth none]
// A longer, steady load on the deployable bundle that prints its resident memory over time, to
// catch leaks. Not part of `npm test` or `npm run bench`; a rising line with a flat load is a leak.
import autocannon from 'autocannon';
import {
  generateKey,
  LOCAL_SERVICE_AGENT,
  serviceAgentClaims,
  signJwt,
  startCertsServer,
} from '../scripts/localIdp';
import { benchArgs } from './lib/args';
import { writeDeployableBundle } from './lib/build';
import { rssBytes, startServer } from './lib/processes';
import { round } from './lib/stats';
import { benchRequestBody, DEPLOYED_ENV } from './lib/deployment';

const values = benchArgs(
  'bench:soak',
  'usage: npm run bench:soak [-- flags]\n\nA steady load on the deployable bundle for a long time, printing its resident memory at each\ninterval: a rising line under a flat load is a leak.',
  {
    minutes: { default: '10', help: 'how long to run' },
    interval: { default: '10', help: 'seconds between memory readings' },
    connections: { default: '20', help: 'connections of the load' },
    auth: {
      default: 'none',
      help: 'auth mode; id-token signs a fresh token every interval',
      choices: ['none', 'id-token'],
    },
  },
);

async function main() {
  const audience = 'https://cx-webhook-soak-123456789012.us-central1.run.app';
  const key = generateKey();
  const certs = await startCertsServer([key]);
  // A fresh token every interval, as Dialogflow rotates them, so the verified-token cache churns.
  const token = () => signJwt(key, serviceAgentClaims(audience, { sub: String(Date.now()) }));
  const env: Record<string, string> = { ...DEPLOYED_ENV };
  if (values.auth === 'id-token') {
    Object.assign(env, {
      WEBHOOK_AUTH: 'id-token',
      WEBHOOK_ALLOWED_CALLERS: LOCAL_SERVICE_AGENT,
      WEBHOOK_AUDIENCE: audience,
      WEBHOOK_ID_TOKEN_CERTS_URL: certs.url,
    });
  }
  const server = await startServer(writeDeployableBundle().path, env);
  const pid = server.child.pid as number;
  const rounds = Math.ceil((values.minutes * 60) / values.interval);
  console.log('| elapsed s | req/s | p99 ms | errors | RSS MB |\n| --- | --- | --- | --- | --- |');
  console.log(`| 0 | - | - | - | ${round(rssBytes(pid) / 1e6)} |`);
  try {
    for (let i = 1; i <= rounds; i++) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (values.auth === 'id-token') headers.authorization = `Bearer ${token()}`;
      const r = await autocannon({
        url: server.url,
        connections: values.connections,
        duration: values.interval,
        method: 'POST',
        body: benchRequestBody(),
        headers,
      });
      const errors = r.errors + r.timeouts + r.non2xx;
      console.log(
        `| ${i * values.interval} | ${Math.round(r.requests.average)} | ${r.latency.p99} | ${errors} | ${round(rssBytes(pid) / 1e6)} |`,
      );
    }
  } finally {
    await server.stop();
    await certs.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
