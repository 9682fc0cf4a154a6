// npm run bench:protocol [-- --base <commit>] [--calls 20000] [--rounds 6] [--cases 3000] [--json]
// The protocol core's own work on a request (the request checked, the handler's answer checked)
// measured in this process for the current code and for the code at `--base`, side by side in one
// run. The base is read from git into a temporary directory, never into the tree. Before measuring,
// both run on the same generated requests and answers and must accept and refuse exactly the same
// ones, with equal results (key order included) or the same message.
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { parseCli, UsageError } from '../lib/cli';
import { normalizeRequest } from '../service/protocol/normalize';
import { webhookRequestSchema, type FieldKind } from '../service/protocol/schema';
import type { WebhookRequest } from '../service/protocol/types';
import { validateResponse } from '../service/protocol/validate';
import { pageInCurrentFlow, reply } from '../service/responses';
import { benchRequestBody, largeRequestBody } from './lib/deployment';
import { median, round } from './lib/stats';

/** The last commit whose core built a checked copy of every request and walked answers twice. */
const COPYING_CORE = 'cf3ad2d6f400f41b0b87c535087489f7872fad48';

interface Core {
  normalizeRequest: (body: unknown) => unknown;
  validateResponse: (raw: unknown) => unknown;
}

const current: Core = { normalizeRequest, validateResponse };

function settings() {
  const parsed = parseCli(process.argv.slice(2), {
    base: { type: 'string', default: COPYING_CORE },
    calls: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '6' },
    cases: { type: 'string', default: '3000' },
    json: { type: 'boolean', default: false },
  });
  if (!parsed) {
    console.log(
      'usage: npm run bench:protocol [-- --base <commit>] [--calls N] [--rounds N] [--cases N] [--json]',
    );
    process.exit(0);
  }
  const count = (name: 'calls' | 'rounds' | 'cases') => {
    const n = Number(parsed.values[name]);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} takes a whole number ≥ 1`);
    return n;
  };
  return {
    base: parsed.values.base,
    calls: count('calls'),
    rounds: count('rounds'),
    cases: count('cases'),
    json: parsed.values.json,
  };
}

/** The protocol directory at `ref`, extracted from git into a temporary directory and loaded. */
async function loadBase(ref: string): Promise<{ core: Core; remove: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'protocol-base-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const archive = execFileSync('git', ['archive', '--format=tar', ref, 'service/protocol'], {
      maxBuffer: 64 * 1024 * 1024,
    });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
    const load = async (file: string) => {
      const mod = (await import(pathToFileURL(join(dir, 'service', 'protocol', file)).href)) as {
        default?: unknown;
      };
      return (mod.default ?? mod) as Partial<Core>;
    };
    const { normalizeRequest: n } = await load('normalize.ts');
    const { validateResponse: v } = await load('validate.ts');
    if (!n || !v) throw new Error(`${ref} has no normalizeRequest or validateResponse`);
    return { core: { normalizeRequest: n, validateResponse: v }, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

// ---- Workloads ----

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** `value` with every field name of `kind` in snake_case; map keys and Struct contents as they are. */
function toSnake(value: unknown, kind: FieldKind): unknown {
  if (typeof kind === 'string' || 'enum' in kind || value === null || typeof value !== 'object')
    return value;
  if ('repeated' in kind) return (value as unknown[]).map((v) => toSnake(v, kind.repeated));
  const entries = Object.entries(value);
  if ('map' in kind) return Object.fromEntries(entries.map(([k, v]) => [k, toSnake(v, kind.map)]));
  return Object.fromEntries(entries.map(([k, v]) => [snake(k), toSnake(v, kind.fields[k])]));
}

function workloads() {
  const request = JSON.parse(benchRequestBody()) as WebhookRequest;
  const page = pageInCurrentFlow(request, 'END_FLOW');
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
    .goToPage(page)
    .build();
  const withMessages = {
    ...request,
    messages: [...(answer.fulfillmentResponse?.messages ?? []), { endInteraction: {} }],
  };
  return {
    requests: {
      'the bench request (~2 KB, camelCase)': request,
      'the same in snake_case': toSnake(request, webhookRequestSchema),
      'a request of ~1 MiB (one large session parameter)': JSON.parse(
        largeRequestBody(),
      ) as unknown,
      'a request with queued messages': withMessages,
    } as Record<string, unknown>,
    answers: {
      "the greeting handler's answer": answer,
      'an answer with a payload, parameters, a form parameter and a target page': richAnswer,
    } as Record<string, unknown>,
    requestBody: benchRequestBody(),
    answer,
  };
}

// ---- Equivalence ----

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

type Json = unknown;
/**
 * The `pick`-th slot gets `value` (or the value of the `from`-th slot), or its key is renamed (to
 * its snake_case form if '').
 */
interface Mutation {
  pick: number;
  value: Json;
  from: number | null;
  rename: string | null;
}

/** Every (container, key) slot of a tree. */
function slots(tree: Json) {
  const found: [Record<string, Json> | Json[], string | number][] = [];
  const open: Json[] = [tree];
  while (open.length > 0) {
    const node = open.pop();
    if (node === null || typeof node !== 'object') continue;
    const keys = Array.isArray(node) ? node.map((_v, i) => i) : Object.keys(node);
    for (const key of keys) found.push([node as Record<string, Json>, key]);
    open.push(...(Object.values(node) as Json[]));
  }
  return found;
}

/** A deep copy of `base` with the mutations applied. */
function mutated(base: Json, mutations: Mutation[]): Json {
  const tree = JSON.parse(JSON.stringify(base)) as Json;
  for (const { pick, value, from, rename } of mutations) {
    const all = slots(tree);
    if (all.length === 0) continue;
    const [node, key] = all[pick % all.length];
    const container = node as Record<string | number, Json>;
    if (from !== null) {
      const [source, sourceKey] = all[from % all.length];
      try {
        container[key] = structuredClone((source as Record<string | number, Json>)[sourceKey]);
      } catch {
        // A function or symbol does not clone; this mutation is skipped.
      }
    } else if (rename === null || Array.isArray(node)) container[key] = value;
    else {
      const kept = container[key];
      delete container[key];
      container[rename || snake(String(key))] = kept;
    }
  }
  return tree;
}

/** Field names in both spellings, so renames produce snake_case fields and twins. */
function fieldNames(kind: FieldKind, into = new Set<string>()): Set<string> {
  if (typeof kind === 'string' || 'enum' in kind) return into;
  if ('repeated' in kind) return fieldNames(kind.repeated, into);
  if ('map' in kind) return fieldNames(kind.map, into);
  for (const [name, inner] of Object.entries(kind.fields)) {
    if (into.has(name)) continue;
    into.add(name).add(snake(name));
    fieldNames(inner, into);
  }
  return into;
}

const mutation = (names: string[]): fc.Arbitrary<Mutation> =>
  fc.record({
    pick: fc.nat(),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom<Json>(
        null,
        undefined,
        NaN,
        Infinity,
        -Infinity,
        BigInt(1),
        () => 1,
        Symbol('s'),
        '0.5',
        'NaN',
        ' ',
        0,
        2,
        7,
        'INVALID',
        'VALID',
        'FILLED',
        'REPLACE',
        'APPEND',
        'MERGE_BEHAVIOR_UNSPECIFIED',
        'ENTRY_PROMPT',
        [undefined],
        { text: { text: ['x'] } },
        'projects/p/locations/l/agents/a/flows/f',
        'projects/p/locations/l/agents/a/flows/f/pages/END_FLOW',
      ),
    ),
    from: fc.option(fc.nat(), { freq: 3 }),
    rename: fc.option(
      fc.oneof(fc.constant(''), fc.constantFrom(...names, '__proto__'), fc.string()),
    ),
  });

/** Runs both on the same generated inputs; throws on the first where they differ. */
function compare(base: Core, bases: Record<string, unknown[]>, cases: number) {
  const names = [...fieldNames(webhookRequestSchema)];
  const tally = { requests: { accepted: 0, refused: 0 }, answers: { accepted: 0, refused: 0 } };
  for (const [what, samples] of Object.entries(bases) as ['requests' | 'answers', unknown[]][]) {
    const check = what === 'requests' ? 'normalizeRequest' : 'validateResponse';
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.array(mutation(names), { maxLength: 4 }),
        (sample, mutations) => {
          const input = mutated(sample, mutations);
          const now = outcome(current[check], input);
          const then = outcome(base[check], input);
          const same =
            now.accepted && then.accepted
              ? isDeepStrictEqual(now.value, then.value) && now.json === then.json
              : isDeepStrictEqual(now, then);
          if (!same) {
            throw new Error(`${check} differs:\n now ${inspect(now)}\n was ${inspect(then)}`);
          }
          tally[what][now.accepted ? 'accepted' : 'refused']++;
        },
      ),
      { numRuns: cases, seed: 20261207 },
    );
  }
  return tally;
}

const inspect = (o: Outcome) =>
  o.accepted ? `accepted ${o.json}` : `refused (${o.error} ${o.status ?? ''}) ${o.message}`;

// ---- Measurement ----

/** Garbage collections as the runtime reports them, in performance.now() time. */
const collections: { start: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) collections.push({ start: e.startTime });
}).observe({ type: 'gc' });

/** CPU ns per call of `fn` (this process, all threads, so garbage collection counts), and when. */
function cpuNs(fn: () => unknown, calls: number) {
  const from = performance.now();
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn();
  const used = process.cpuUsage(start);
  return { ns: ((used.user + used.system) * 1000) / calls, from, to: performance.now() };
}

async function measure(
  fns: { base: () => unknown; current: () => unknown },
  calls: number,
  rounds: number,
) {
  const batches = {
    base: [] as ReturnType<typeof cpuNs>[],
    current: [] as ReturnType<typeof cpuNs>[],
  };
  cpuNs(fns.base, calls);
  cpuNs(fns.current, calls);
  for (let r = 0; r < rounds; r++) {
    // Alternating order, so neither pays the other's garbage more often.
    for (const which of r % 2 === 0
      ? (['base', 'current'] as const)
      : (['current', 'base'] as const)) {
      batches[which].push(cpuNs(fns[which], calls));
    }
  }
  // The observer hears of collections on a later turn of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 50));
  // Counted, not timed: a collection's wall time on a busy machine says more about the machine.
  const gcs = (which: 'base' | 'current') => {
    const n = batches[which].reduce(
      (sum, b) => sum + collections.filter((c) => c.start >= b.from && c.start < b.to).length,
      0,
    );
    return round((n * 10_000) / (calls * rounds), 1);
  };
  const base = round(median(batches.base.map((b) => b.ns)), 0);
  const current = round(median(batches.current.map((b) => b.ns)), 0);
  return {
    base,
    current,
    ratio: round(current / base, 2),
    baseGcs: gcs('base'),
    currentGcs: gcs('current'),
  };
}

async function main() {
  const s = settings();
  const { core: base, remove } = await loadBase(s.base);
  try {
    const w = workloads();
    const agreed = compare(
      base,
      { requests: Object.values(w.requests), answers: Object.values(w.answers) },
      s.cases,
    );
    const rows: ({ what: string } & Awaited<ReturnType<typeof measure>>)[] = [];
    const checks = [
      ['request checked', w.requests, 'normalizeRequest'],
      ['answer checked', w.answers, 'validateResponse'],
    ] as const;
    for (const [label, inputs, check] of checks) {
      for (const [what, input] of Object.entries(inputs)) {
        const fns = { base: () => base[check](input), current: () => current[check](input) };
        rows.push({ what: `${label}: ${what}`, ...(await measure(fns, s.calls, s.rounds)) });
      }
    }
    // One request's protocol work end to end, minus auth and logging: parse, check, answer, serialise.
    const body = Buffer.from(w.requestBody);
    const perRequest = (core: Core) => () => {
      core.normalizeRequest(JSON.parse(body.toString('utf8')));
      return JSON.stringify(core.validateResponse(w.answer));
    };
    rows.push({
      what: 'per request: the bench request parsed and checked, the greeting answer checked and serialised',
      ...(await measure(
        { base: perRequest(base), current: perRequest(current) },
        s.calls,
        s.rounds,
      )),
    });
    const machine = `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}`;
    if (s.json) {
      console.log(JSON.stringify({ base: s.base, agreed, rows, machine }, null, 2));
      return;
    }
    console.log(
      `Same outcome on ${s.cases} generated requests (${agreed.requests.accepted} accepted, ${agreed.requests.refused} refused) and ${s.cases} answers (${agreed.answers.accepted} accepted, ${agreed.answers.refused} refused) as ${s.base.slice(0, 10)}.\n`,
    );
    const at = s.base.slice(0, 10);
    console.log(
      `| CPU ns per call (median of ${s.rounds} × ${s.calls}) | ${at} | current | current / base | collections per 10k calls, ${at} | current |`,
    );
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const r of rows) {
      console.log(
        `| ${r.what} | ${r.base} | ${r.current} | ${r.ratio}× | ${r.baseGcs} | ${r.currentGcs} |`,
      );
    }
    console.log(`\n${machine}`);
  } finally {
    remove();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof UsageError ? error.message : error);
  process.exit(error instanceof UsageError ? 2 : 1);
});
