// npm run bench:soak [-- flags] (--help lists them): a long, steady load on the deployable bundle
// that prints its resident memory over time. Not part of `npm test` or `npm run bench`.
import { RUNTIME_ENV } from '../infra/webhookEnv';
import { benchArgs } from './lib/args';
import { writeDeployableBundle } from './lib/bundles';
import { authModes, benchRequestBody } from './lib/deployment';
import { line, round, table } from './lib/figures';
import { measureLoad, rssBytes, startServer } from './lib/server';

const args = benchArgs(
  'bench:soak',
  'usage: npm run bench:soak [-- flags]\n\nA steady load on the deployable bundle for a long time, printing its resident memory at each\ninterval: a rising line under a flat load is a leak.',
  {
    minutes: { default: 10, help: 'how long to run' },
    interval: { default: 10, help: 'seconds between memory readings' },
    connections: { default: 20, help: 'connections of the load' },
    auth: {
      default: 'none',
      help: 'auth mode; id-token signs a fresh token every interval',
      choices: ['none', 'id-token'],
    },
  },
);

async function main() {
  const body = benchRequestBody();
  const auth = await authModes();
  const mode = auth.modes[args.auth];
  const server = await startServer(writeDeployableBundle().path, { ...RUNTIME_ENV, ...mode.env });
  const rssMB = () => round(rssBytes(server.child.pid as number) / 1e6);
  console.log(
    table(['elapsed s', 'req/s', 'p99 ms', 'errors', 'RSS MB'], [[0, '-', '-', '-', rssMB()]]),
  );
  try {
    for (let i = 1; i <= Math.ceil((args.minutes * 60) / args.interval); i++) {
      const r = await measureLoad(server, {
        connections: args.connections,
        seconds: args.interval,
        warmupSeconds: 0,
        body,
        // A fresh token each interval, as Dialogflow rotates them: the verified-token cache churns.
        headers: { authorization: `Bearer ${auth.sign(String(Date.now()))}` },
      });
      const rps = round(r.requestsPerSecond, 0);
      console.log(line([i * args.interval, rps, round(r.p99Ms, 2), r.errors, rssMB()]));
    }
  } finally {
    await server.stop();
    await auth.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
