// npm run bench [-- --json] [--rounds 2] [--duration 10] [--connections 50] [--cold-runs 15]
//   [--memory-connections 80] [--memory-duration 5]
// Throughput, latency and memory against two baselines measured in the same run, then cold start
// and bundle size; prints Markdown tables and the targets, or JSON.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { measureColdStart } from './coldStart';
import { round } from './lib/stats';
import { measureThroughput } from './throughput';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '2' },
    'cold-runs': { type: 'string', default: '15' },
    'memory-connections': { type: 'string', default: '80' },
    'memory-duration': { type: 'string', default: '5' },
  },
});

const MiB = 1024 * 1024;

/** Cloud Run's memory sizes up to 4 GiB, in MiB; the default is the smallest with 2× headroom. */
const MEMORY_SIZES_MIB = [128, 256, 512, 1024, 2048, 4096];

async function main() {
  const throughput = await measureThroughput({
    rounds: Number(values.rounds),
    durationSeconds: Number(values.duration),
    warmupSeconds: Number(values.warmup),
    connections: Number(values.connections),
    memoryConnections: Number(values['memory-connections']),
    memorySeconds: Number(values['memory-duration']),
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
  const coldRow = (prefix: string) => {
    const row = cold.rows.find((r) => r.what.startsWith(prefix));
    if (!row) throw new Error(`no cold-start row "${prefix}"`);
    return row;
  };
  const floor = coldRow("node -e ''");
  const firstWebhook = coldRow('bundle: spawn to first webhook 200 (auth none)');
  const ours = [none, platform, idToken];
  const peakMB = Math.max(...ours.map((r) => r.peakRssMB));
  const peakMiB = (peakMB * 1e6) / MiB;
  const memory = MEMORY_SIZES_MIB.find((size) => size >= 2 * peakMiB);
  const check = (name: string, pass: boolean, detail: string) => ({ name, pass, detail });
  const targets = [
    ...[none, platform].map((r) =>
      check(
        `${r.server}: ≥ 0.75× raw node:http requests/s`,
        r.requestsPerSecond >= 0.75 * raw.requestsPerSecond,
        `${ratio(r.requestsPerSecond, raw.requestsPerSecond)}×`,
      ),
    ),
    ...[none, platform].map((r) =>
      check(
        `${r.server}: p99 ≤ 1.5× raw node:http's`,
        r.p99Ms <= 1.5 * raw.p99Ms,
        `${r.p99Ms} ms vs ${raw.p99Ms} ms (${ratio(r.p99Ms, raw.p99Ms)}×)`,
      ),
    ),
    check(
      'id-token (cache warm) ≥ 0.95× auth none requests/s',
      idToken.requestsPerSecond >= 0.95 * none.requestsPerSecond,
      `${ratio(idToken.requestsPerSecond, none.requestsPerSecond)}×`,
    ),
    check(
      "cold start to the first webhook 200 ≤ 1.5× node -e ''",
      firstWebhook.medianMs <= 1.5 * floor.medianMs,
      `${ratio(firstWebhook.medianMs, floor.medianMs)}× (${firstWebhook.medianMs} ms vs ${floor.medianMs} ms)`,
    ),
    check(
      'minified bundle ≤ 512 KiB',
      cold.bundleBytes <= 512 * 1024,
      `${round(cold.bundleBytes / 1024)} KiB`,
    ),
    check(
      `instance memory with ≥ 2× headroom over the peak resident set at ${values['memory-connections']} requests in flight`,
      memory !== undefined,
      `peak ${round(peakMiB)} MiB → ${memory ?? '>4096'}Mi`,
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
    memoryConnections: Number(values['memory-connections']),
    durationSeconds: Number(values.duration),
    bodyBytes: throughput.bodyBytes,
  };

  if (values.json) {
    console.log(
      JSON.stringify(
        { machine, settings, throughput: rows, coldStart: cold, memoryMiB: memory, targets },
        null,
        2,
      ),
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
      'CPU µs/req',
      `peak RSS MB @${settings.memoryConnections}`,
      'req/s vs raw',
      'req/s vs Express',
      'p99 vs raw',
      'p99 vs Express',
    ]),
  );
  console.log(line(Array<string>(11).fill('---')));
  for (const r of rows) {
    console.log(
      line([
        r.server,
        r.requestsPerSecond,
        r.p50Ms,
        r.p99Ms,
        r.errors,
        r.cpuUsPerRequest,
        r.peakRssMB,
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
