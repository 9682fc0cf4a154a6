// npm run bench:protocol [-- flags] (--help lists them): the protocol core's checks of a request
// and of an answer, measured in this process for the current code and for `service/protocol/` at
// `--base` side by side, after both gave the same outcome on the same generated inputs.
import fc from 'fast-check';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { GCProfiler } from 'node:v8';
import { normalizeRequest } from '../service/protocol/normalize';
import type { WebhookRequest } from '../service/protocol/types';
import { validateResponse } from '../service/protocol/validate';
import { pageInCurrentFlow, reply } from '../service/responses';
import { benchArgs } from './lib/args';
import { atCommit } from './lib/bundles';
import { benchRequestBody, largeRequestBody } from './lib/deployment';
import { median, round, table } from './lib/figures';

/** The last commit whose core built a checked copy of every request and walked answers twice. */
const COPYING_CORE = 'cf3ad2d6f400f41b0b87c535087489f7872fad48';

const args = benchArgs(
  'bench:protocol',
  'usage: npm run bench:protocol [-- flags]\n\nCPU per call of the request and answer checks, current code against another commit, after\nboth agreed on the same generated inputs.',
  {
    base: { default: COPYING_CORE, help: 'the commit, branch or tag to compare with' },
    calls: { default: 20000, count: true, help: 'calls per measured batch' },
    rounds: { default: 6, count: true, help: 'batches of each, alternating which runs first' },
    cases: {
      default: 3000,
      count: true,
      help: 'generated requests and answers both must agree on',
    },
    json: { default: false, help: 'print one JSON object' },
  },
);

interface Core {
  normalizeRequest: (body: unknown) => unknown;
  validateResponse: (raw: unknown) => unknown;
}

/** `normalizeRequest` and `validateResponse` of `service/protocol/` at `ref`. */
const loadBase = (ref: string) =>
  atCommit(ref, async (dir): Promise<Core> => {
    const load = async (file: string) => {
      const mod = (await import(join(dir, 'service', 'protocol', file))) as {
        default?: Partial<Core>;
      } & Partial<Core>;
      return mod.default ?? mod;
    };
    const { normalizeRequest: n } = await load('normalize.ts');
    const { validateResponse: v } = await load('validate.ts');
    if (!n || !v) throw new Error(`${ref} has no normalizeRequest or validateResponse`);
    return { normalizeRequest: n, validateResponse: v };
  });

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** `value` with every key in snake_case (map keys and Struct contents too: the same work). */
const toSnake = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(toSnake)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), toSnake(v)]))
      : value;

/** The inputs: requests, answers, and what is measured of each core. */
function workloads() {
  const request = JSON.parse(benchRequestBody()) as WebhookRequest;
  const answer = reply()
    .text('Hello, Ada! How can I help you today?', 'Hi, Ada! What can I do for you?')
    .setParams({ greeted: true })
    .build();
  const richAnswer = reply(request)
    .appendToQueuedMessages()
    .text('Your order 123456 ships on Friday.')
    .customPayload({ richContent: [[{ type: 'chips', options: [{ text: 'Track it' }] }]] })
    .setParams({ order: { number: 123456, status: 'shipped', items: [1, 2, 3] }, retries: 0 })
    .deleteParams('draft')
    .invalidate('email')
    .goToPage(pageInCurrentFlow(request, 'END_FLOW'))
    .build();
  const messages = [...(answer.fulfillmentResponse?.messages ?? []), { endInteraction: {} }];
  const requests: Record<string, unknown> = {
    'the bench request (~2 KB, camelCase)': request,
    'the same in snake_case': toSnake(request),
    'a request of ~1 MiB (one large session parameter)': JSON.parse(largeRequestBody()),
    'a request with queued messages': { ...request, messages },
  };
  const answers: Record<string, unknown> = {
    "the greeting handler's answer": answer,
    'an answer with a payload, parameters, a form parameter and a target page': richAnswer,
  };
  const body = Buffer.from(benchRequestBody());
  const measured: Record<string, (core: Core) => unknown> = {};
  for (const [what, input] of Object.entries(requests)) {
    measured[`request checked: ${what}`] = (core) => core.normalizeRequest(input);
  }
  for (const [what, input] of Object.entries(answers)) {
    measured[`answer checked: ${what}`] = (core) => core.validateResponse(input);
  }
  // One request's protocol work end to end, minus auth and logging.
  measured[
    'per request: the bench request parsed and checked, the greeting answer checked and serialised'
  ] = (core) => {
    core.normalizeRequest(JSON.parse(body.toString('utf8')));
    return JSON.stringify(core.validateResponse(answer));
  };
  return { requests: Object.values(requests), answers: Object.values(answers), measured };
}

type Outcome =
  | { accepted: true; value: unknown; json: string }
  | { accepted: false; error: string; status?: number; message: string };

function outcome(check: (input: unknown) => unknown, input: unknown): Outcome {
  let value: unknown;
  try {
    value = check(input);
  } catch (error) {
    const e = error as Error & { status?: number };
    return { accepted: false, error: e.name, status: e.status, message: e.message };
  }
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    json = `throws ${(error as Error).message}`;
  }
  return { accepted: true, value, json };
}

const describe = (o: Outcome) =>
  o.accepted ? `accepted ${o.json}` : `refused (${o.error} ${o.status ?? ''}) ${o.message}`;

type Node = Record<string | number, unknown>;

function slots(tree: unknown): [Node, string | number][] {
  const found: [Node, string | number][] = [];
  const open = [tree];
  while (open.length > 0) {
    const node = open.pop();
    if (node === null || typeof node !== 'object') continue;
    const keys = Array.isArray(node) ? node.map((_v, i) => i) : Object.keys(node);
    for (const key of keys) found.push([node as Node, key]);
    open.push(...(Object.values(node) as unknown[]));
  }
  return found;
}

/** Values at the checks' edges: not JSON, numbers as text, enum names, resource names. */
const EDGES: unknown[] = [
  ...[null, undefined, NaN, Infinity, -Infinity, BigInt(1), () => 1, Symbol('s'), 0, 2, 7],
  ...['0.5', 'NaN', ' ', 'INVALID', 'VALID', 'FILLED', 'REPLACE', 'APPEND', 'ENTRY_PROMPT'],
  'MERGE_BEHAVIOR_UNSPECIFIED',
  [undefined],
  { text: { text: ['x'] } },
  'projects/p/locations/l/agents/a/flows/f',
  'projects/p/locations/l/agents/a/flows/f/pages/END_FLOW',
];

/**
 * One change to a tree: the `pick`-th slot gets `value` (or a copy of the `from`-th slot's), or its
 * key is renamed (to its snake_case form if '').
 */
const mutation = (names: string[]) =>
  fc.record({
    pick: fc.nat(),
    value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(...EDGES)),
    from: fc.option(fc.nat(), { freq: 3 }),
    rename: fc.option(
      fc.oneof(fc.constant(''), fc.constantFrom(...names, '__proto__'), fc.string()),
    ),
  });
type Mutation = ReturnType<typeof mutation> extends fc.Arbitrary<infer M> ? M : never;

function mutated(base: unknown, mutations: Mutation[]): unknown {
  const tree = JSON.parse(JSON.stringify(base)) as unknown;
  for (const { pick, value, from, rename } of mutations) {
    const all = slots(tree);
    if (all.length === 0) continue;
    const [node, key] = all[pick % all.length];
    if (from !== null) {
      const [source, sourceKey] = all[from % all.length];
      try {
        node[key] = structuredClone(source[sourceKey]);
      } catch {
        // A function or symbol does not clone; this mutation is skipped.
      }
    } else if (rename === null || Array.isArray(node)) node[key] = value;
    else {
      const kept = node[key];
      delete node[key];
      node[rename || snake(String(key))] = kept;
    }
  }
  return tree;
}

/** Runs both on the same generated inputs (fixed seed); throws on the first where they differ. */
function compare(current: Core, base: Core, samples: Record<'requests' | 'answers', unknown[]>) {
  const tally = { requests: { accepted: 0, refused: 0 }, answers: { accepted: 0, refused: 0 } };
  for (const what of ['requests', 'answers'] as const) {
    const check = what === 'requests' ? 'normalizeRequest' : 'validateResponse';
    // Every field name in the samples, in both spellings: renames make snake_case fields and twins.
    const keys = samples[what].flatMap((s) => slots(s).map(([, key]) => key));
    const names = [
      ...new Set(keys.filter((k) => typeof k === 'string').flatMap((k) => [k, snake(k)])),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...samples[what]),
        fc.array(mutation(names), { maxLength: 4 }),
        (sample, mutations) => {
          const input = mutated(sample, mutations);
          const [now, then] = [outcome(current[check], input), outcome(base[check], input)];
          if (!isDeepStrictEqual(now, then))
            throw new Error(`${check} differs:\n now ${describe(now)}\n was ${describe(then)}`);
          tally[what][now.accepted ? 'accepted' : 'refused']++;
        },
      ),
      { numRuns: args.cases, seed: 20261207 },
    );
  }
  return tally;
}

/**
 * CPU ns per call of `fn` (this process, all threads, so garbage collection counts), and the
 * collections meanwhile: counted, not timed, as their wall time on a busy machine says more about
 * the machine.
 */
function batch(fn: () => unknown) {
  const gc = new GCProfiler();
  gc.start();
  const start = process.cpuUsage();
  for (let i = 0; i < args.calls; i++) fn();
  const used = process.cpuUsage(start);
  const ns = ((used.user + used.system) * 1000) / args.calls;
  return { ns, collections: gc.stop()?.statistics.length ?? 0 };
}

type Side = 'base' | 'current';

/** Medians of `args.rounds` batches of each, alternating which runs first, after a warm-up. */
function measure(fns: Record<Side, () => unknown>) {
  const batches: Record<Side, ReturnType<typeof batch>[]> = { base: [], current: [] };
  const order = ['base', 'current'] as const;
  order.forEach((side) => batch(fns[side]));
  for (let r = 0; r < args.rounds; r++) {
    // Alternating, so neither pays the other's garbage more often.
    for (const side of r % 2 === 0 ? order : [...order].reverse()) {
      batches[side].push(batch(fns[side]));
    }
  }
  const ns = (side: Side) => round(median(batches[side].map((b) => b.ns)), 0);
  const per10k = (side: Side) => {
    const n = batches[side].reduce((sum, b) => sum + b.collections, 0);
    return round((n * 10_000) / (args.calls * args.rounds), 1);
  };
  const [base, current] = [ns('base'), ns('current')];
  return {
    base,
    current,
    ratio: round(current / base, 2),
    baseGcs: per10k('base'),
    currentGcs: per10k('current'),
  };
}

async function main() {
  const current: Core = { normalizeRequest, validateResponse };
  const base = await loadBase(args.base);
  const { requests, answers, measured } = workloads();
  const agreed = compare(current, base, { requests, answers });
  const rows = Object.entries(measured).map(([what, run]) => ({
    what,
    ...measure({ base: () => run(base), current: () => run(current) }),
  }));
  const machine = `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}`;
  if (args.json) {
    console.log(JSON.stringify({ base: args.base, agreed, rows, machine }, null, 2));
    return;
  }
  const { requests: q, answers: a } = agreed;
  const at = args.base.slice(0, 10);
  console.log(
    `Same outcome on ${args.cases} generated requests (${q.accepted} accepted, ${q.refused} refused) and ${args.cases} answers (${a.accepted} accepted, ${a.refused} refused) as ${at}.\n`,
  );
  const head = [
    `CPU ns per call (median of ${args.rounds} × ${args.calls})`,
    at,
    'current',
    'current / base',
  ];
  console.log(
    table(
      [...head, `collections per 10k calls, ${at}`, 'current'],
      rows.map((r) => [r.what, r.base, r.current, `${r.ratio}×`, r.baseGcs, r.currentGcs]),
    ),
  );
  console.log(`\n${machine}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
