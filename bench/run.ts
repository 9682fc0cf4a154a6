// npm run bench [-- --json] [--rounds 2] [--duration 10] [--connections 50] [--cold-runs 15]
// Throughput, latency and memory against two baselines measured in the same run, then cold start
// and bundle size; prints Markdown tables and the targets, or JSON.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { measureColdStart } from './coldStart';
import { round } from './lib/stats';
import { measureThroughput, type ThroughputRow } from './throughput';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '2' },
    'cold-runs': { type: 'string', default: '15' },
  },
});

const MiB = 1024 * 1024;

async function main() {
  const throughput = await measureThroughput({
    rounds: Number(values.rounds),
    durationSeconds: Number(values.duration),
    warmupSeconds: Number(values.warmup),
    connections: Number(values.connections),
  });
  const cold = await measureColdStart(Number(values['cold-runs']));

  const [raw, express, none, platform, idToken] = throughput.rows;
  const ratio = (a: number, b: number) => round(a / b, 2);
  const rows = throughput.rows.map((r) => ({
    ...r,
    rpsVsRaw: ratio(r.requestsPerSecond, raw.requestsPerSecond),
    rpsVsExpress: ratio(r.requestsPerSecond, express.requestsPerSecond),
    p99VsRaw: ratio(r.p99Ms, raw.p99Ms),
    p99VsExpress: ratio(r.p99Ms, express.p99Ms),
  }));
  const [floor, bundle] = cold.rows;
  const check = (name: string, pass: boolean, detail: string) => ({ name, pass, detail });
  const ours: ThroughputRow[] = [none, platform];
  const targets = [
    ...ours.map((r) =>
      check(
        `${r.server}: ≥ 1.5× Express+express.json() requests/s`,
        r.requestsPerSecond >= 1.5 * express.requestsPerSecond,
        `${ratio(r.requestsPerSecond, express.requestsPerSecond)}×`,
      ),
    ),
    ...ours.map((r) =>
      check(
        `${r.server}: p99 no worse than Express+express.json()`,
        r.p99Ms <= express.p99Ms,
        `${r.p99Ms} ms vs ${express.p99Ms} ms`,
      ),
    ),
    check(
      'id-token (cache warm) ≥ 0.85× auth none requests/s',
      idToken.requestsPerSecond >= 0.85 * none.requestsPerSecond,
      `${ratio(idToken.requestsPerSecond, none.requestsPerSecond)}×`,
    ),
    check(
      "bundle cold start ≤ 2× node -e ''",
      bundle.medianMs <= 2 * floor.medianMs,
      `${ratio(bundle.medianMs, floor.medianMs)}× (${bundle.medianMs} ms vs ${floor.medianMs} ms)`,
    ),
    check(
      'minified bundle ≤ 1 MiB',
      cold.bundleBytes <= MiB,
      `${round(cold.bundleBytes / 1024)} KiB`,
    ),
    ...[none, platform, idToken].map((r) =>
      check(`${r.server}: RSS after the load ≤ 80 MB`, r.rssMB <= 80, `${r.rssMB} MB`),
    ),
    check(
      'zero errors in every run',
      throughput.rows.every((r) => r.errors === 0),
      throughput.rows.map((r) => r.errors).join(', '),
    ),
  ];
  const machine = {
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    date: new Date().toISOString(),
  };
  const settings = {
    rounds: Number(values.rounds),
    connections: Number(values.connections),
    durationSeconds: Number(values.duration),
    bodyBytes: throughput.bodyBytes,
  };

  if (values.json) {
    console.log(
      JSON.stringify({ machine, settings, throughput: rows, coldStart: cold, targets }, null, 2),
    );
    return;
  }
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  console.log(
    `## Throughput (${settings.connections} connections, ${settings.durationSeconds} s × ${settings.rounds} rounds in alternating order, ${settings.bodyBytes}-byte WebhookRequest, loopback)\n`,
  );
  console.log(
    line([
      'server',
      'req/s',
      'p50 ms',
      'p99 ms',
      'errors',
      'RSS MB',
      'req/s vs raw',
      'req/s vs Express',
      'p99 vs raw',
      'p99 vs Express',
    ]),
  );
  console.log(line(Array<string>(10).fill('---')));
  for (const r of rows) {
    console.log(
      line([
        r.server,
        r.requestsPerSecond,
        r.p50Ms,
        r.p99Ms,
        r.errors,
        r.rssMB,
        r.rpsVsRaw,
        r.rpsVsExpress,
        r.p99VsRaw,
        r.p99VsExpress,
      ]),
    );
  }
  console.log(
    `\n## Cold start (${values['cold-runs']} runs each; bundle ${round(cold.bundleBytes / 1024)} KiB minified)\n`,
  );
  console.log(line(['start-up', 'median ms', 'p25', 'p75', 'min', 'max']));
  console.log(line(Array<string>(6).fill('---')));
  for (const r of cold.rows)
    console.log(line([r.what, r.medianMs, r.p25Ms, r.p75Ms, r.minMs, r.maxMs]));
  console.log('\n## Targets\n');
  for (const t of targets) console.log(`- ${t.pass ? 'met' : 'MISSED'}: ${t.name} (${t.detail})`);
  console.log(`\nMachine: Node ${machine.node}, ${machine.cpus} × ${machine.cpu}; ${machine.date}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
