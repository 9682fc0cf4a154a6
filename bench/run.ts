// npm run bench [-- --json] [--rounds 2] [--seconds 10] [--warmup 3] [--connections 50]
//   [--memory-connections 80] [--memory-seconds 5] [--cold-runs 15] [--busy-us N] [--baseline REF]
// Throughput, latency and CPU per request against two baselines measured in the same run; peak
// memory at the instance's concurrency with each heap setting side by side; cold start and bundle
// size; the CPU of the request's parts measured in-process; then each target, met or missed. Prints Markdown tables, or JSON. `--busy-us N` adds a row
// of raw node:http doing N µs of CPU work per request: what that much CPU alone costs here.
// `--baseline REF` builds that commit's bundle too and sets the service before and after side by side.
import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { memoryMiB } from '../infra/serviceSettings';
import { BEFORE, measureColdStart } from './coldStart';
import { measureCosts } from './costs';
import { benchArgs } from './lib/args';
import { buildBaselineBundle, type BaselineBundle } from './lib/baseline';
import { round } from './lib/stats';
import { HEAP_SETTINGS, measureMemory, type MemoryRow } from './memory';
import { baselineRow, EXPRESS, measureThroughput, RAW, serviceRow } from './throughput';

const args = benchArgs(
  'bench',
  'usage: npm run bench [-- flags]\n\nThroughput, latency, CPU per request, peak memory, cold start and bundle size of the\ndeployable service against raw node:http and Express in one run, then each target met or missed.',
  {
    json: { default: false, help: 'print JSON instead of Markdown tables' },
    rounds: { default: '2', help: 'passes over all servers, in alternating order' },
    seconds: { default: '10', help: 'measured seconds of load per server and round' },
    warmup: { default: '3', help: 'seconds of unmeasured load first' },
    connections: { default: '50', help: 'connections of the throughput runs' },
    'memory-connections': {
      default: '80',
      help: "requests in flight of the memory runs (the instance's concurrency)",
    },
    'memory-seconds': { default: '5', help: 'measured seconds of each memory run' },
    'cold-runs': { default: '15', help: 'starts per cold-start row' },
    'busy-us': {
      default: '0',
      help: 'adds a row of raw node:http doing this many µs of CPU work per request',
    },
    baseline: {
      default: '',
      help: 'a git ref: its bundle is measured beside this one (CPU, p99, cold start), with ratios',
      text: true,
    },
  },
);
const values = { json: args.json };

const settings = {
  rounds: args.rounds,
  seconds: args.seconds,
  warmupSeconds: args.warmup,
  connections: args.connections,
  memoryConnections: args['memory-connections'],
  memorySeconds: args['memory-seconds'],
  coldRuns: args['cold-runs'],
  busyUs: args['busy-us'],
};

/** Cloud Run's memory sizes in MiB, up to what one CPU allows (cloud.google.com/run/docs/configuring/services/cpu). */
const MEMORY_SIZES_MIB = [128, 256, 512, 1024, 2048, 4096];

const ratio = (a: number, b: number) => round(a / b, 2);
const percent = (a: number, b: number) => `${a >= b ? '+' : ''}${round((100 * (a - b)) / b, 0)}%`;

/** This commit against the baseline: ratios after ÷ before (below 1 is better for p99, CPU, cold start). */
function beforeAndAfter(
  baseline: BaselineBundle,
  throughput: {
    server: string;
    requestsPerSecond: number;
    p99Ms: number;
    cpuUsPerRequest: number;
  }[],
  cold: { rows: { what: string; medianMs: number }[]; bundleBytes: number },
) {
  const find = (name: string) => {
    const found = throughput.find((r) => r.server === name);
    if (!found) throw new Error(`no throughput row "${name}"`);
    return found;
  };
  const rows = (['none', 'platform'] as const).map((mode) => {
    const [before, after] = [find(baselineRow(mode, baseline)), find(serviceRow(mode))];
    return {
      what: `auth ${mode}`,
      cpuUsPerRequest: {
        before: before.cpuUsPerRequest,
        after: after.cpuUsPerRequest,
        ratio: ratio(after.cpuUsPerRequest, before.cpuUsPerRequest),
      },
      p99Ms: { before: before.p99Ms, after: after.p99Ms, ratio: ratio(after.p99Ms, before.p99Ms) },
      requestsPerSecond: {
        before: before.requestsPerSecond,
        after: after.requestsPerSecond,
        ratio: ratio(after.requestsPerSecond, before.requestsPerSecond),
      },
    };
  });
  const coldMs = (prefix: string) =>
    cold.rows.find((r) => r.what.startsWith(prefix))?.medianMs ?? NaN;
  const [coldBefore, coldAfter] = [
    coldMs(BEFORE),
    coldMs('bundle: spawn to first webhook 200 (auth platform'),
  ];
  return {
    ref: baseline.ref,
    commit: baseline.commit,
    rows,
    coldStartMs: { before: coldBefore, after: coldAfter, ratio: ratio(coldAfter, coldBefore) },
    bundleBytes: {
      before: baseline.bytes,
      after: cold.bundleBytes,
      ratio: ratio(cold.bundleBytes, baseline.bytes),
    },
  };
}

async function main() {
  const loadAtStart = loadavg()[0];
  const baseline = args.baseline ? await buildBaselineBundle(args.baseline) : undefined;
  const throughput = await measureThroughput({
    rounds: settings.rounds,
    seconds: settings.seconds,
    warmupSeconds: settings.warmupSeconds,
    connections: settings.connections,
    busyUs: settings.busyUs,
    baseline,
  });
  const memory = await measureMemory({
    rounds: settings.rounds,
    connections: settings.memoryConnections,
    seconds: settings.memorySeconds,
    warmupSeconds: settings.warmupSeconds,
  });
  const cold = await measureColdStart(settings.coldRuns, baseline);
  const costs = await measureCosts();
  const loadAtEnd = loadavg()[0];
  const compared = baseline && beforeAndAfter(baseline, throughput, cold);

  const row = (name: string) => {
    const found = throughput.find((r) => r.server === name);
    if (!found) throw new Error(`no throughput row "${name}"`);
    return found;
  };
  const [raw, express, none, platform, idToken] = [
    RAW,
    EXPRESS,
    serviceRow('none'),
    serviceRow('platform'),
    serviceRow('id-token'),
  ].map(row);
  const withRatios = throughput.map((r) => ({
    ...r,
    rpsVsRaw: ratio(r.requestsPerSecond, raw.requestsPerSecond),
    rpsVsExpress: ratio(r.requestsPerSecond, express.requestsPerSecond),
    p99VsRaw: ratio(r.p99Ms, raw.p99Ms),
    cpuVsRaw: ratio(r.cpuUsPerRequest, raw.cpuUsPerRequest),
  }));

  const coldRow = (prefix: string) => {
    const found = cold.rows.find((r) => r.what.startsWith(prefix));
    if (!found) throw new Error(`no cold-start row "${prefix}"`);
    return found;
  };
  const floor = coldRow("node -e ''");
  const firstWebhook = coldRow('bundle: spawn to first webhook 200 (auth platform');

  // Memory: the peak at the instance's concurrency with the heap setting the infra deploys, and
  // the smallest Cloud Run size with at least twice that.
  const deployedBench = memory.filter((m) => m.deployed && m.request === 'bench');
  const peakMiB = Math.max(...deployedBench.map((m) => m.peakRssMiB));
  const needed = MEMORY_SIZES_MIB.find((size) => size >= 2 * peakMiB);
  const large = memory.find((m) => m.deployed && m.request === 'large') as MemoryRow;
  // The stack default, from the one place it is told: Pulumi.yaml.
  const project = load(readFileSync(join(__dirname, '..', 'Pulumi.yaml'), 'utf8')) as {
    config: { memory: { default: string } };
  };
  const configured = project.config.memory.default;
  const configuredMiB = memoryMiB(configured);
  const heapComparison = (['none', 'platform', 'id-token'] as const).map((mode) => {
    const [defaults, capped] = HEAP_SETTINGS.map((h) =>
      memory.find((m) => m.mode === mode && m.request === 'bench' && m.heap === h.label)!,
    );
    return { mode, defaults, capped };
  });

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
      "cold start to the first webhook 200 (auth platform) ≤ 1.5× node -e ''",
      firstWebhook.medianMs <= 1.5 * floor.medianMs,
      `${ratio(firstWebhook.medianMs, floor.medianMs)}× (${firstWebhook.medianMs} ms vs ${floor.medianMs} ms)`,
    ),
    check(
      'minified bundle ≤ 512 KiB',
      cold.bundleBytes <= 512 * 1024,
      `${round(cold.bundleBytes / 1024)} KiB`,
    ),
    check(
      `the default instance memory (${configured}) holds ≥ 2× the peak resident set at ${settings.memoryConnections} requests in flight`,
      configuredMiB >= 2 * peakMiB,
      `peak ${peakMiB} MiB, so ${needed ?? '> 4096'} MiB or more; requests at the 1 MiB cap peak at ${large.peakRssMiB} MiB`,
    ),
    check(
      'zero errors in every run',
      [...throughput, ...memory].every((r) => r.errors === 0),
      [...throughput, ...memory].map((r) => r.errors).join(', '),
    ),
  ];
  const machine = {
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    loadAverage: { start: round(loadAtStart, 2), end: round(loadAtEnd, 2) },
    date: new Date().toISOString(),
  };

  if (values.json) {
    console.log(
      JSON.stringify(
        {
          machine,
          settings,
          throughput: withRatios,
          memory,
          coldStart: cold,
          costs,
          memoryMiB: { peak: peakMiB, needed, configured: configuredMiB },
          beforeAndAfter: compared,
          targets,
        },
        null,
        2,
      ),
    );
    return;
  }
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  const table = (head: string[], rows: (string | number)[][]) =>
    [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');

  console.log(
    `## Throughput (${settings.connections} connections, ${settings.seconds} s × ${settings.rounds} rounds in alternating order, loopback)\n`,
  );
  console.log(
    table(
      [
        'server',
        'req/s',
        'p50 ms',
        'p99 ms',
        'CPU µs/req',
        'errors',
        'req/s vs raw',
        'req/s vs Express',
        'p99 vs raw',
        'CPU vs raw',
      ],
      withRatios.map((r) => [
        r.server,
        r.requestsPerSecond,
        r.p50Ms,
        r.p99Ms,
        r.cpuUsPerRequest,
        r.errors,
        r.rpsVsRaw,
        r.rpsVsExpress,
        r.p99VsRaw,
        r.cpuVsRaw,
      ]),
    ),
  );
  console.log(
    `\n## Memory (${settings.memoryConnections} requests in flight, ${settings.memorySeconds} s × ${settings.rounds} rounds, a fresh process each)\n`,
  );
  console.log(
    table(
      ['auth', 'request', 'heap', 'peak RSS MiB', 'req/s', 'CPU µs/req', 'errors'],
      memory.map((m) => [
        m.mode,
        m.request === 'bench' ? '~2 KB' : '~1 MiB',
        `${m.heap}${m.deployed ? ' (deployed)' : ''}`,
        m.peakRssMiB,
        m.requestsPerSecond,
        m.cpuUsPerRequest,
        m.errors,
      ]),
    ),
  );
  console.log(`\n${HEAP_SETTINGS[1].label} against Node's defaults:`);
  for (const { mode, defaults, capped } of heapComparison) {
    console.log(
      `- ${mode}: peak ${percent(capped.peakRssMiB, defaults.peakRssMiB)} (${capped.peakRssMiB} vs ${defaults.peakRssMiB} MiB), req/s ${percent(capped.requestsPerSecond, defaults.requestsPerSecond)}, CPU/req ${percent(capped.cpuUsPerRequest, defaults.cpuUsPerRequest)}`,
    );
  }
  console.log(
    `\n## Cold start (${settings.coldRuns} runs each; bundle ${round(cold.bundleBytes / 1024)} KiB minified)\n`,
  );
  console.log(
    table(
      ['start-up', 'median ms', 'p25', 'p75', 'min', 'max'],
      cold.rows.map((r) => [r.what, r.medianMs, r.p25Ms, r.p75Ms, r.minMs, r.maxMs]),
    ),
  );
  console.log(
    `\n## Where the CPU goes (in this process, no HTTP; against raw node:http's ${raw.cpuUsPerRequest} µs and our ${platform.cpuUsPerRequest} µs per request with auth platform)\n`,
  );
  console.log(
    table(
      ['part', 'CPU µs per call', 'vs raw node:http per request', 'share of ours (platform)'],
      costs.map((c) => [
        c.part,
        c.cpuUs,
        `${ratio(c.cpuUs, raw.cpuUsPerRequest)}×`,
        `${round((100 * c.cpuUs) / platform.cpuUsPerRequest, 0)}%`,
      ]),
    ),
  );
  if (compared) {
    console.log(
      `\n## Before (${compared.ref}, ${compared.commit.slice(0, 12)}) and after, in this run (${settings.connections} connections)\n`,
    );
    const cell = (m: { before: number; after: number; ratio: number }) => [
      m.before,
      m.after,
      `${m.ratio}×`,
    ];
    console.log(
      table(
        ['', 'before', 'after', 'after ÷ before'],
        [
          ...compared.rows.flatMap((r) => [
            [`${r.what}: CPU µs/request`, ...cell(r.cpuUsPerRequest)],
            [`${r.what}: p99 ms`, ...cell(r.p99Ms)],
            [`${r.what}: requests/s`, ...cell(r.requestsPerSecond)],
          ]),
          [
            'cold start to the first webhook 200 (platform), median ms',
            ...cell(compared.coldStartMs),
          ],
          ['bundle bytes', ...cell(compared.bundleBytes)],
        ],
      ),
    );
  }
  console.log('\n## Targets\n');
  for (const t of targets) console.log(`- ${t.pass ? 'met' : 'MISSED'}: ${t.name} (${t.detail})`);
  console.log(
    `\nMachine: Node ${machine.node}, ${machine.cpus} × ${machine.cpu}; load average ${machine.loadAverage.start} at the start, ${machine.loadAverage.end} at the end; ${machine.date}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
