import { WebhookError } from './errors';
import { webhookRequestSchema, type FieldKind, type MessageSchema } from './schema';
import type { WebhookRequest } from './types';

const snakeToCamel = (key: string): string =>
  key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

interface Field {
  readonly name: string;
  readonly kind: FieldKind;
}

/** Each schema's fields by the keys that name them: the camelCase name and its snake_case twin. */
const BY_KEY = new WeakMap<MessageSchema, Map<string, Field>>();

function byKey(schema: MessageSchema): Map<string, Field> {
  let fields = BY_KEY.get(schema);
  if (!fields) {
    fields = new Map();
    for (const [name, kind] of Object.entries(schema.fields)) {
      const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      fields.set(name, { name, kind }).set(snake, { name, kind });
    }
    BY_KEY.set(schema, fields);
  }
  return fields;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An object JSON.parse could have made; any other (a class instance, say) is copied into one. */
const isPlain = (v: object): boolean => Object.getPrototypeOf(v) === Object.prototype;

const describe = (v: unknown): string =>
  Array.isArray(v)
    ? 'array'
    : v === null
      ? 'null'
      : typeof v === 'number' && !Number.isFinite(v)
        ? String(v)
        : typeof v;

/** A value that does not fit the proto, with the path to it. */
export class SchemaError extends Error {
  override name = 'SchemaError';
}

/**
 * A misfit on its way out of the walk, which adds the path to it one segment per level: paths
 * are built for an input that fails, never for one that passes.
 */
class Misfit extends Error {
  /** Path segments (`.field`, `[0]`, `["key"]`), innermost first. */
  readonly segments: string[] = [];
}

const misfit = (expected: string, got: unknown) =>
  new Misfit(`must be ${expected}, got ${describe(got)}`);

/** Adds `segment` to the path of a misfit passing through; anything else passes unchanged. */
function within(error: unknown, segment: string): unknown {
  if (error instanceof Misfit) error.segments.push(segment);
  return error;
}

export interface Walk {
  /** Our own output: unknown fields are an error rather than ignored. */
  readonly strict: boolean;
}

/**
 * Checks `input` against `schema` in place and returns it in lowerCamelCase. A message that needs
 * no change (the usual case: CX sends camelCase) is returned as is; one that does (a snake_case
 * name, a null, an enum number, a float as a string) is copied from the first change, and so are
 * the messages that hold it: the input is never modified. Throws a SchemaError naming the path to
 * the first value that does not fit; `root` is what a non-object is told.
 */
export function conform(
  input: unknown,
  schema: MessageSchema,
  walk: Walk,
  root: string,
): Record<string, unknown> {
  if (!isObject(input)) throw new SchemaError(`${root}, got ${describe(input)}`);
  try {
    return walkMessage(input, schema, walk);
  } catch (error) {
    if (!(error instanceof Misfit)) throw error;
    // Every path starts at a field of the top message, so it starts with a dot to drop.
    throw new SchemaError(`${error.segments.reverse().join('').slice(1)} ${error.message}`);
  }
}

/**
 * The request as handlers see it: field names in lowerCamelCase (proto3 JSON also allows
 * snake_case); map keys (parameter names) and Struct/Value contents are data, kept as sent.
 * Unknown fields are dropped, `null` means absent; a value of the wrong type is a 400 naming its
 * path.
 */
export function normalizeRequest(body: unknown): WebhookRequest {
  try {
    return conform(body, webhookRequestSchema, { strict: false }, 'the body must be a JSON object');
  } catch (error) {
    if (!(error instanceof SchemaError)) throw error;
    throw new WebhookError(400, `invalid WebhookRequest: ${error.message}`);
  }
}

function walkMessage(
  input: Record<string, unknown>,
  schema: MessageSchema,
  walk: Walk,
): Record<string, unknown> {
  const fields = byKey(schema);
  const keys = Object.keys(input);
  // Only the schema's names are assigned, so `__proto__` in the input cannot reach a prototype.
  let out: Record<string, unknown> | undefined = isPlain(input) ? undefined : {};
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    // Any other spelling that snake_case rules turn into a field's name
    // (`detect_intentResponseId`).
    const field =
      fields.get(key) ?? (key.includes('_') ? fields.get(snakeToCamel(key)) : undefined);
    if (field === undefined) {
      if (walk.strict) {
        const name = key.includes('_') ? snakeToCamel(key) : key;
        throw within(new Misfit(`is not a field of ${schema.name}`), `.${name}`);
      }
      out ??= copyOf(input, keys, i);
      continue;
    }
    const { name, kind } = field;
    // proto3 JSON parsers refuse a field given under both names; taking either would be a guess.
    if (key !== name && Object.hasOwn(input, name)) {
      const [first, second] = keys.indexOf(name) < i ? [name, key] : [key, name];
      throw within(new Misfit(`is given twice (as ${first} and ${second})`), `.${name}`);
    }
    const value = input[key];
    if (value === null || value === undefined) {
      out ??= copyOf(input, keys, i);
      continue;
    }
    let next: unknown;
    try {
      next = walkField(value, kind, walk);
    } catch (error) {
      throw within(error, `.${name}`);
    }
    if (out === undefined && (next !== value || name !== key)) out = copyOf(input, keys, i);
    if (out !== undefined) out[name] = next;
  }
  return out ?? input;
}

/** The fields before the i-th key, which all passed unchanged. */
function copyOf(input: Record<string, unknown>, keys: string[], i: number) {
  const out: Record<string, unknown> = {};
  for (let j = 0; j < i; j++) out[keys[j]] = input[keys[j]];
  return out;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Our own output only: throws at a value JSON.stringify would change without a word. NaN and
 * Infinity become null (which deletes a session parameter), a BigInt throws, and undefined, a
 * function or a symbol inside an array becomes null. The path is built by a second walk, only once
 * the first found a problem.
 */
function checkJson(value: unknown): void {
  if (nonJson(value, false) === undefined) return;
  const [path, expected, got] = nonJson(value, true) as [string, string, unknown];
  throw within(misfit(expected, got), path);
}

/**
 * The first value JSON.stringify would change: its path below `root` (when `named`), what it must
 * be and what it is. Walked without recursion, so depth costs no stack; an object seen before is
 * skipped, which leaves a cycle to JSON.stringify, whose error names the property closing it.
 * Children are visited last first, which decides the problem named when there are several.
 */
function nonJson(root: unknown, named: boolean): [string, string, unknown] | undefined {
  const values: unknown[] = [root];
  const paths = named ? [''] : undefined;
  let seen: Set<object> | undefined;
  while (values.length > 0) {
    const value = values.pop();
    const path = paths?.pop() ?? '';
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return [path, 'a finite number', value];
    } else if (typeof value === 'bigint') {
      return [path, 'JSON', value];
    } else if (typeof value === 'object' && value !== null) {
      seen ??= new Set();
      if (seen.has(value)) continue;
      seen.add(value);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          // A hole is skipped, as forEach would skip it.
          if (item === undefined && !(i in value)) continue;
          if (item === undefined || typeof item === 'function' || typeof item === 'symbol') {
            return [`${path}[${i}]`, 'JSON', item];
          }
          values.push(item);
          paths?.push(`${path}[${i}]`);
        }
      } else {
        for (const k of Object.keys(value)) {
          values.push((value as Record<string, unknown>)[k]);
          paths?.push(IDENTIFIER.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`);
        }
      }
    }
  }
  return undefined;
}

function walkField(value: unknown, kind: FieldKind, walk: Walk): unknown {
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') throw misfit('a string', value);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw misfit('a boolean', value);
      return value;
    case 'float':
      // proto3 JSON also allows floats as strings, including "NaN" and "Infinity".
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && value.trim() !== '') {
        const n = Number(value);
        if (!Number.isNaN(n) || value === 'NaN') return n;
      }
      throw misfit('a number', value);
    case 'value':
      if (walk.strict) checkJson(value);
      return value;
    case 'struct':
      if (!isObject(value)) throw misfit('a JSON object', value);
      if (walk.strict) checkJson(value);
      return value;
  }
  if ('enum' in kind) {
    if (typeof value === 'string') return value;
    // proto3 JSON parsers accept enum numbers too; unknown numbers are kept rather than guessed.
    if (typeof value === 'number' && Number.isInteger(value)) return kind.enum[value] ?? value;
    throw misfit('an enum name', value);
  }
  if ('repeated' in kind) {
    if (!Array.isArray(value)) throw misfit('an array', value);
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined && !(i in value)) continue; // a hole stays one, as map() keeps it
      let next: unknown;
      try {
        next = walkField(item, kind.repeated, walk);
      } catch (error) {
        throw within(error, `[${i}]`);
      }
      if (next !== item) (out ??= value.slice())[i] = next;
    }
    return out ?? value;
  }
  if ('map' in kind) {
    if (!isObject(value)) throw misfit('a JSON object', value);
    const inner = kind.map;
    if (inner === 'value' && !walk.strict) return value;
    // A spread defines own properties, so a parameter named `__proto__` stays a plain key.
    let out: Record<string, unknown> | undefined = isPlain(value) ? undefined : { ...value };
    for (const k of Object.keys(value)) {
      const v = value[k];
      let next: unknown;
      try {
        next = v === null && inner !== 'value' ? {} : walkField(v, inner, walk);
      } catch (error) {
        throw within(error, `[${JSON.stringify(k)}]`);
      }
      if (next !== v) (out ??= { ...value })[k] = next;
    }
    return out ?? value;
  }
  if (!isObject(value)) throw misfit('a JSON object', value);
  return walkMessage(value, kind, walk);
}
