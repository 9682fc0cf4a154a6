// npm run bench [-- flags] (--help lists them): throughput, latency and CPU per request against
// raw node:http and Express (and another commit's bundle with --baseline) in one run; peak memory
// at the instance's concurrency with two heap settings; cold start and bundle size; the CPU of a
// request's parts in-process; then each target, met or missed. Markdown tables, or JSON.
import { cpus, loadavg } from 'node:os';
import { readProject } from '../infra/plan/stackConfig';
import { memoryMiB } from '../infra/serviceSettings';
import { RUNTIME_ENV } from '../infra/webhookEnv';
import { measureColdStart } from './coldStart';
import { measureCosts } from './costs';
import { benchArgs } from './lib/args';
import { buildBaselineBundle, buildServer, writeDeployableBundle } from './lib/bundles';
import { authModes, benchRequestBody, largeRequestBody, type AuthMode } from './lib/deployment';
import { ratio, round, table } from './lib/figures';
import { measureRounds } from './lib/server';

const args = benchArgs(
  'bench',
  'usage: npm run bench [-- flags]\n\nThroughput, latency, CPU per request, peak memory, cold start and bundle size of the\ndeployable service against raw node:http and Express in one run, then each target met or missed.',
  {
    json: { default: false, help: 'print JSON instead of Markdown tables' },
    rounds: { default: 2, help: 'passes over all servers, in alternating order' },
    seconds: { default: 10, help: 'measured seconds of load per server and round' },
    warmup: { default: 3, help: 'seconds of unmeasured load first' },
    connections: { default: 50, help: 'connections of the throughput runs' },
    'memory-connections': {
      default: 80,
      help: "requests in flight of the memory runs (the instance's concurrency)",
    },
    'memory-seconds': { default: 5, help: 'measured seconds of each memory run' },
    'cold-runs': { default: 15, help: 'starts per cold-start row' },
    'busy-us': {
      default: 0,
      help: 'adds a row of raw node:http doing this many µs of CPU work per request',
    },
    baseline: {
      default: '',
      help: 'a git ref: its bundle is measured beside this one (CPU, p99, cold start), with ratios',
    },
  },
);

/**
 * Cloud Run's memory sizes in MiB, up to what one CPU allows
 * (cloud.google.com/run/docs/configuring/services/cpu).
 */
const MEMORY_SIZES_MIB = [128, 256, 512, 1024, 2048, 4096];
/** The heap settings compared side by side: Node's own, and a capped young generation. */
const HEAPS = ["Node's defaults", '--max-semi-space-size=2'] as const;
// A setting's NODE_OPTIONS: its label, but for Node's defaults.
const heapOptions = (heap: string) => (heap.startsWith('--') ? heap : '');
const MODES = ['none', 'platform', 'id-token'] as const;
const RAW = 'raw node:http (baseline)';
const EXPRESS = 'Express 5 + express.json() (baseline)';
const serviceRow = (mode: AuthMode) =>
  `cx-webhook, auth ${mode}${mode === 'id-token' ? ' (cache warm)' : ''}`;
const percent = (a: number, b: number) => `${a >= b ? '+' : ''}${round((100 * (a - b)) / b, 0)}%`;
/** A Markdown table of `rows`, a column per [head, cell]. */
const columns = <T>(rows: T[], cols: [string, (row: T) => string | number][]) =>
  table(
    cols.map(([head]) => head),
    rows.map((row) => cols.map(([, cell]) => cell(row))),
  );
const pair = (what: string, before: number, after: number) => ({
  what,
  before,
  after,
  ratio: ratio(after, before),
});
/** A target on a ratio: `a` at least (or at most) `k`× `b`. */
const target = (name: string, a: number, b: number, k: number, atMost = false, unit = '') => ({
  name,
  pass: atMost ? a <= k * b : a >= k * b,
  detail: `${ratio(a, b)}×${unit && ` (${a} ${unit} vs ${b} ${unit})`}`,
});

async function main() {
  const loadAtStart = loadavg()[0];
  const baseline = args.baseline ? await buildBaselineBundle(args.baseline) : undefined;
  const bundle = writeDeployableBundle();
  const body = benchRequestBody();
  const auth = await authModes();
  const entry = (server: string, file: string, mode: AuthMode, env: Record<string, string>) => ({
    server,
    file,
    env,
    body,
    headers: auth.modes[mode].headers,
  });
  // The service as deployed: with the environment the infra gives it.
  const service = (server: string, file: string, mode: AuthMode, env = {}) =>
    entry(server, file, mode, { ...RUNTIME_ENV, ...auth.modes[mode].env, ...env });
  const rawNode = buildServer('rawNode');
  const busyUs = args['busy-us'];
  const servers = [
    entry(RAW, rawNode, 'none', {}),
    entry(EXPRESS, buildServer('expressJson'), 'none', {}),
    ...(busyUs
      ? [
          entry(`raw node:http + ${busyUs} µs of CPU work per request`, rawNode, 'none', {
            BUSY_US: String(busyUs),
          }),
        ]
      : []),
    ...MODES.map((mode) => service(serviceRow(mode), bundle.path, mode)),
    ...(baseline
      ? (['none', 'platform'] as const).map((mode) =>
          service(`${serviceRow(mode)}, before (${baseline.ref})`, baseline.path, mode),
        )
      : []),
  ];
  // Each mode at the instance's concurrency, then the worst request the service admits: a body at
  // the 1 MiB cap on every connection, in the deployed mode (`platform`).
  const memoryRuns = [
    ...MODES.map((mode) => ({ mode, request: 'bench' as const })),
    { mode: 'platform' as const, request: 'large' as const },
  ].flatMap((run) => HEAPS.map((heap) => ({ ...run, heap })));
  const large = largeRequestBody();
  let loads, memoryLoads, cold;
  try {
    loads = await measureRounds(servers, { ...args, warmupSeconds: args.warmup });
    memoryLoads = await measureRounds(
      memoryRuns.map(({ mode, request, heap }) => ({
        ...service(mode, bundle.path, mode, { NODE_OPTIONS: heapOptions(heap) }),
        ...(request === 'large' && { body: large }),
      })),
      {
        ...args,
        connections: args['memory-connections'],
        seconds: args['memory-seconds'],
        warmupSeconds: args.warmup,
      },
    );
    cold = await measureColdStart(args['cold-runs'], bundle, body, auth, baseline);
  } finally {
    await auth.close();
  }
  const costs = await measureCosts();
  const loadAtEnd = loadavg()[0];

  const throughput = servers.map(({ server }, i) => ({ server, ...loads[i] }));
  const row = (name: string) => throughput.find((r) => r.server === name)!;
  const [raw, express, none, platform, idToken] = [RAW, EXPRESS, ...MODES.map(serviceRow)].map(row);
  const withRatios = throughput.map((r) => ({
    ...r,
    rpsVsRaw: ratio(r.requestsPerSecond, raw.requestsPerSecond),
    rpsVsExpress: ratio(r.requestsPerSecond, express.requestsPerSecond),
    p99VsRaw: ratio(r.p99Ms, raw.p99Ms),
    cpuVsRaw: ratio(r.cpuUsPerRequest, raw.cpuUsPerRequest),
  }));
  const memory = memoryRuns.map(({ mode, request, heap }, i) => ({
    mode,
    request,
    heap,
    deployed: heapOptions(heap) === (RUNTIME_ENV.NODE_OPTIONS ?? ''),
    ...memoryLoads[i],
  }));
  const compared = baseline && {
    ref: baseline.ref,
    commit: baseline.commit,
    rows: [
      ...(['none', 'platform'] as const).flatMap((mode) => {
        const before = row(`${serviceRow(mode)}, before (${baseline.ref})`);
        const after = row(serviceRow(mode));
        return [
          pair(`auth ${mode}: CPU µs/request`, before.cpuUsPerRequest, after.cpuUsPerRequest),
          pair(`auth ${mode}: p99 ms`, before.p99Ms, after.p99Ms),
          pair(`auth ${mode}: requests/s`, before.requestsPerSecond, after.requestsPerSecond),
        ];
      }),
      pair(
        'cold start to the first webhook 200 (platform), median ms',
        cold.before!.medianMs,
        cold.platform.medianMs,
      ),
      pair('bundle bytes', baseline.bytes, bundle.bytes),
    ],
  };

  // Memory: the peak at the instance's concurrency with the heap setting the infra deploys, and
  // the smallest Cloud Run size with at least twice that, against the stack default (Pulumi.yaml).
  const deployed = memory.filter((m) => m.deployed);
  const peakMiB = Math.max(
    ...deployed.filter((m) => m.request === 'bench').map((m) => m.peakRssMiB),
  );
  const largePeak = deployed.find((m) => m.request === 'large')!.peakRssMiB;
  const needed = MEMORY_SIZES_MIB.find((size) => size >= 2 * peakMiB);
  const configured = String(readProject().declarations.memory.default);
  const configuredMiB = memoryMiB(configured);

  const rps = (r: typeof raw) => r.requestsPerSecond;
  const targets = [
    ...[none, platform].map((r) =>
      target(`${r.server}: ≥ 0.75× raw node:http requests/s`, rps(r), rps(raw), 0.75),
    ),
    ...[none, platform].map((r) =>
      target(`${r.server}: p99 ≤ 1.5× raw node:http's`, r.p99Ms, raw.p99Ms, 1.5, true, 'ms'),
    ),
    target('id-token (cache warm) ≥ 0.95× auth none requests/s', rps(idToken), rps(none), 0.95),
    target(
      "cold start to the first webhook 200 (auth platform) ≤ 1.5× node -e ''",
      cold.platform.medianMs,
      cold.floor.medianMs,
      1.5,
      true,
      'ms',
    ),
    {
      name: 'minified bundle ≤ 512 KiB',
      pass: bundle.bytes <= 512 * 1024,
      detail: `${round(bundle.bytes / 1024)} KiB`,
    },
    {
      name: `the default instance memory (${configured}) holds ≥ 2× the peak resident set at ${args['memory-connections']} requests in flight`,
      pass: configuredMiB >= 2 * peakMiB,
      detail: `peak ${peakMiB} MiB, so ${needed ?? '> 4096'} MiB or more; requests at the 1 MiB cap peak at ${largePeak} MiB`,
    },
    {
      name: 'zero errors in every run',
      pass: [...throughput, ...memory].every((r) => r.errors === 0),
      detail: [...throughput, ...memory].map((r) => r.errors).join(', '),
    },
  ];
  const machine = {
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    loadAverage: { start: round(loadAtStart, 2), end: round(loadAtEnd, 2) },
    date: new Date().toISOString(),
  };

  if (args.json) {
    const memoryMiB = { peak: peakMiB, needed, configured: configuredMiB };
    const coldStart = { rows: Object.values(cold), bundleBytes: bundle.bytes };
    const out = { machine, settings: args, throughput: withRatios, memory, coldStart, costs };
    console.log(JSON.stringify({ ...out, memoryMiB, beforeAndAfter: compared, targets }, null, 2));
    return;
  }
  console.log(
    `## Throughput (${args.connections} connections, ${args.seconds} s × ${args.rounds} rounds in alternating order, loopback)\n`,
  );
  console.log(
    columns(withRatios, [
      ['server', (r) => r.server],
      ['req/s', (r) => r.requestsPerSecond],
      ['p50 ms', (r) => r.p50Ms],
      ['p99 ms', (r) => r.p99Ms],
      ['CPU µs/req', (r) => r.cpuUsPerRequest],
      ['errors', (r) => r.errors],
      ['req/s vs raw', (r) => r.rpsVsRaw],
      ['req/s vs Express', (r) => r.rpsVsExpress],
      ['p99 vs raw', (r) => r.p99VsRaw],
      ['CPU vs raw', (r) => r.cpuVsRaw],
    ]),
  );
  console.log(
    `\n## Memory (${args['memory-connections']} requests in flight, ${args['memory-seconds']} s × ${args.rounds} rounds, a fresh process each)\n`,
  );
  console.log(
    columns(memory, [
      ['auth', (m) => m.mode],
      ['request', (m) => (m.request === 'bench' ? '~2 KB' : '~1 MiB')],
      ['heap', (m) => `${m.heap}${m.deployed ? ' (deployed)' : ''}`],
      ['peak RSS MiB', (m) => m.peakRssMiB],
      ['req/s', (m) => m.requestsPerSecond],
      ['CPU µs/req', (m) => m.cpuUsPerRequest],
      ['errors', (m) => m.errors],
    ]),
  );
  console.log(`\n${HEAPS[1]} against Node's defaults:`);
  for (const mode of MODES) {
    const [defaults, capped] = HEAPS.map((heap) =>
      memory.find((m) => m.mode === mode && m.request === 'bench' && m.heap === heap)!,
    );
    console.log(
      `- ${mode}: peak ${percent(capped.peakRssMiB, defaults.peakRssMiB)} (${capped.peakRssMiB} vs ${defaults.peakRssMiB} MiB), req/s ${percent(capped.requestsPerSecond, defaults.requestsPerSecond)}, CPU/req ${percent(capped.cpuUsPerRequest, defaults.cpuUsPerRequest)}`,
    );
  }
  console.log(
    `\n## Cold start (${args['cold-runs']} runs each; bundle ${round(bundle.bytes / 1024)} KiB minified)\n`,
  );
  console.log(
    table(
      ['start-up', 'median ms', 'p25', 'p75', 'min', 'max'],
      Object.values(cold).map((r) => [r.what, r.medianMs, r.p25Ms, r.p75Ms, r.minMs, r.maxMs]),
    ),
  );
  console.log(
    `\n## Where the CPU goes (in this process, no HTTP; against raw node:http's ${raw.cpuUsPerRequest} µs and our ${platform.cpuUsPerRequest} µs per request with auth platform)\n`,
  );
  console.log(
    columns(costs, [
      ['part', (c) => c.part],
      ['CPU µs per call', (c) => c.cpuUs],
      ['vs raw node:http per request', (c) => `${ratio(c.cpuUs, raw.cpuUsPerRequest)}×`],
      [
        'share of ours (platform)',
        (c) => `${round((100 * c.cpuUs) / platform.cpuUsPerRequest, 0)}%`,
      ],
    ]),
  );
  if (compared) {
    console.log(
      `\n## Before (${compared.ref}, ${compared.commit.slice(0, 12)}) and after, in this run (${args.connections} connections)\n`,
    );
    console.log(
      columns(compared.rows, [
        ['', (r) => r.what],
        ['before', (r) => r.before],
        ['after', (r) => r.after],
        ['after ÷ before', (r) => `${r.ratio}×`],
      ]),
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
