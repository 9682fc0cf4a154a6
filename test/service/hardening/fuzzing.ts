import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHandlers, demoOrders } from '../../../service/handlers';
import type { WebhookHandler } from '../../../service/protocol/handler';
import { fixtureText } from '../../helpers/fixtures';
import { startApp, type LiveApp } from '../../helpers/liveApp';

// Seeded property-based fuzzing of the real app over HTTP with the example handlers: CX requests
// mutated in structure and in bytes. The service may refuse (400, 404); it may answer 500 only when
// a handler itself failed; it must never crash or leak a rejection. `npm test` runs the first few
// hundred cases of the seeded sequence (fuzz.test.ts), `npm run test:slow` a few thousand
// (fuzz.slow.test.ts).

type Json = unknown;
type Mutation =
  | { kind: 'set'; pick: number; value: Json }
  | { kind: 'delete'; pick: number }
  | { kind: 'rename'; pick: number; name: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'byte'; at: number; byte: number };

const FIXTURES = readdirSync(join(__dirname, '..', '..', 'fixtures', 'requests')).map((f) =>
  f.replace(/\.json$/, ''),
);

/** Every (container, key) slot in a JSON tree, depth first. */
function slots(tree: Json, out: [Record<string, Json> | Json[], string | number][] = []) {
  if (Array.isArray(tree)) tree.forEach((v, i) => (out.push([tree, i]), slots(v, out)));
  else if (tree && typeof tree === 'object') {
    for (const [k, v] of Object.entries(tree)) {
      out.push([tree as Record<string, Json>, k]);
      slots(v, out);
    }
  }
  return out;
}

function mutate(text: string, mutations: Mutation[]): Buffer {
  let tree = JSON.parse(text) as Json;
  let bytes: Buffer | undefined;
  for (const m of mutations) {
    if (m.kind === 'truncate' || m.kind === 'byte') {
      bytes ??= Buffer.from(JSON.stringify(tree));
      if (m.kind === 'truncate') bytes = bytes.subarray(0, m.at % (bytes.length + 1));
      else if (bytes.length > 0) bytes[m.at % bytes.length] = m.byte;
      continue;
    }
    if (bytes) continue;
    const all = slots(tree);
    if (all.length === 0) {
      tree = m.kind === 'set' ? m.value : tree;
      continue;
    }
    const [container, key] = all[m.pick % all.length];
    if (m.kind === 'set') (container as Record<string, Json>)[key] = m.value;
    else if (m.kind === 'delete') {
      if (Array.isArray(container)) container.splice(Number(key), 1);
      else delete container[key];
    } else if (!Array.isArray(container)) {
      const value = container[key];
      delete container[key];
      container[m.name] = value;
    }
  }
  return bytes ?? Buffer.from(JSON.stringify(tree));
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    pick: fc.nat(),
    value: fc.jsonValue({ maxDepth: 3 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('rename' as const),
    pick: fc.nat(),
    name: fc.oneof(
      fc.string(),
      fc.constantFrom('__proto__', 'constructor', 'fulfillment_info', 'session_info', 'tag'),
    ),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('byte' as const),
    at: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
  }),
);

/** The fuzzing suite over `numRuns` cases of the one seeded sequence. */
export function describeFuzzing(numRuns: number): void {
  describe(`fuzzing ${numRuns} mutated CX requests`, () => {
    let app: LiveApp;
    let handlerFailures = 0;
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);

    beforeAll(async () => {
      const watched = Object.fromEntries(
        Object.entries(createHandlers({ orders: demoOrders })).map(
          ([tag, handler]): [string, WebhookHandler] => [
            tag,
            async (req, ctx) => {
              try {
                return await handler(req, ctx);
              } catch (error) {
                handlerFailures++;
                throw error;
              }
            },
          ],
        ),
      );
      app = await startApp({ handlers: watched });
      process.on('unhandledRejection', onRejection);
    });
    afterAll(async () => {
      process.off('unhandledRejection', onRejection);
      await app.close();
    });

    it('never crashes, never leaks a rejection, and answers 5xx only for a handler failure', async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...FIXTURES),
          fc.array(mutation, { minLength: 1, maxLength: 4 }),
          async (name, mutations) => {
            const failuresBefore = handlerFailures;
            const res = await app.post(mutate(fixtureText(name), mutations));
            const body = await res.text();
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            expect(() => JSON.parse(body) as unknown).not.toThrow();
            if (res.status === 500) expect(handlerFailures).toBe(failuresBefore + 1);
            else expect([200, 400, 404]).toContain(res.status);
          },
        ),
        { numRuns, seed: 20261127, endOnFailure: true },
      );
      // The mutations reached every outcome, so the property was not vacuous.
      expect(statuses.get(200)).toBeGreaterThan(numRuns / 25);
      expect(statuses.get(400)).toBeGreaterThan(numRuns / 25);
      expect(rejections).toEqual([]);
    }, 60_000);
  });
}
