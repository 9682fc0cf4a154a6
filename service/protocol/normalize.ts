import { WebhookError } from './errors';
import {
  webhookRequestSchema,
  webhookResponseSchema,
  type FieldKind,
  type MessageSchema,
} from './schema';
import type { WebhookRequest, WebhookResponse } from './types';

const ENUMS: Readonly<Record<string, readonly string[]>> = {
  state: ['PARAMETER_STATE_UNSPECIFIED', 'EMPTY', 'INVALID', 'FILLED'],
  responseType: ['RESPONSE_TYPE_UNSPECIFIED', 'ENTRY_PROMPT', 'PARAMETER_PROMPT', 'HANDLER_PROMPT'],
  mergeBehavior: ['MERGE_BEHAVIOR_UNSPECIFIED', 'APPEND', 'REPLACE'],
};

const snakeToCamel = (key: string): string =>
  key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

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
  constructor(message: string) {
    super(message);
    this.name = 'SchemaError';
  }
}

const invalid = (path: string, expected: string, got: unknown) =>
  new SchemaError(`${path} must be ${expected}, got ${describe(got)}`);

interface Walk {
  /** Unknown fields are an error (our own output) rather than ignored (Google's input). */
  readonly strict: boolean;
}

/**
 * Turns a parsed proto3-JSON WebhookRequest into the camelCase shape the handlers see.
 * Field names may arrive in lowerCamelCase or snake_case; map keys (parameter names) and the
 * contents of Struct/Value fields are data and stay exactly as sent. Unknown fields are dropped,
 * `null` means "absent", and a value of the wrong type is a 400 naming its path.
 */
export function normalizeRequest(body: unknown): WebhookRequest {
  try {
    if (!isObject(body)) throw invalid('the body', 'a JSON object', body);
    return normalizeMessage(body, webhookRequestSchema, '', { strict: false });
  } catch (error) {
    if (error instanceof SchemaError) {
      throw new WebhookError(400, `invalid WebhookRequest: ${error.message}`);
    }
    throw error;
  }
}

/**
 * Checks a handler's answer against the WebhookResponse message and writes it in camelCase (CX
 * takes snake_case too, as Google's samples send it). Throws a SchemaError naming the first field
 * that is unknown (a typo CX would silently ignore) or of the wrong type.
 */
export function normalizeResponse(response: unknown): WebhookResponse {
  if (!isObject(response)) throw invalid('the response', 'an object', response);
  return normalizeMessage(response, webhookResponseSchema, '', { strict: true });
}

function normalizeMessage(
  input: Record<string, unknown>,
  schema: MessageSchema,
  path: string,
  walk: Walk,
): Record<string, unknown> {
  // Only names from the schema are ever assigned, so `__proto__` in the input cannot reach a prototype.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    const name = key.includes('_') ? snakeToCamel(key) : key;
    const fieldPath = path ? `${path}.${name}` : name;
    if (!Object.hasOwn(schema.fields, name)) {
      if (walk.strict) throw new SchemaError(`${fieldPath} is not a field of ${schema.name}`);
      continue;
    }
    // proto3 JSON parsers refuse a field given under both names; taking either would be a guess.
    if (key !== name && Object.hasOwn(input, name)) {
      const keys = Object.keys(input);
      const [first, second] = keys.indexOf(name) < keys.indexOf(key) ? [name, key] : [key, name];
      throw new SchemaError(`${fieldPath} is given twice (as ${first} and ${second})`);
    }
    const value = input[key];
    if (value === null || value === undefined) continue;
    out[name] = normalizeField(value, schema.fields[name], fieldPath, name, walk);
  }
  return out;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Our own output only: a value JSON.stringify would change without a word. NaN and Infinity
 * become null (which deletes a session parameter), a BigInt throws, and a function, symbol or
 * undefined inside an array becomes null. Walked without recursion, so depth costs no stack.
 */
function checkJson(root: unknown, rootPath: string): void {
  const stack: [unknown, string][] = [[root, rootPath]];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const [value, path] = stack.pop() as [unknown, string];
    switch (typeof value) {
      case 'number':
        if (!Number.isFinite(value)) throw invalid(path, 'a finite number', value);
        continue;
      case 'string':
      case 'boolean':
        continue;
      case 'object':
        if (value === null || seen.has(value)) continue;
        seen.add(value);
        if (Array.isArray(value)) {
          value.forEach((item: unknown, i) => {
            if (item === undefined || typeof item === 'function' || typeof item === 'symbol') {
              throw invalid(`${path}[${i}]`, 'JSON', item);
            }
            stack.push([item, `${path}[${i}]`]);
          });
        } else {
          for (const [k, v] of Object.entries(value)) {
            stack.push([v, IDENTIFIER.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`]);
          }
        }
        continue;
      case 'undefined':
      case 'function':
      case 'symbol':
        // Dropped from objects by JSON.stringify, like an omitted optional field.
        continue;
      default:
        throw invalid(path, 'JSON', value);
    }
  }
}

function normalizeField(
  value: unknown,
  kind: FieldKind,
  path: string,
  name: string,
  walk: Walk,
): unknown {
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') throw invalid(path, 'a string', value);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw invalid(path, 'a boolean', value);
      return value;
    case 'float':
      return toFloat(value, path);
    case 'enum':
      return toEnum(value, ENUMS[name] ?? [], path);
    case 'value':
      if (walk.strict) checkJson(value, path);
      return value;
    case 'struct':
      if (!isObject(value)) throw invalid(path, 'a JSON object', value);
      if (walk.strict) checkJson(value, path);
      return value;
  }
  if ('repeated' in kind) {
    if (!Array.isArray(value)) throw invalid(path, 'an array', value);
    return value.map((item, i) => normalizeField(item, kind.repeated, `${path}[${i}]`, name, walk));
  }
  if ('map' in kind) {
    if (!isObject(value)) throw invalid(path, 'a JSON object', value);
    const inner = kind.map;
    if (inner === 'value' && !walk.strict) return value;
    // fromEntries defines own properties, so a parameter named `__proto__` stays a plain key.
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        v === null && inner !== 'value'
          ? {}
          : normalizeField(v, inner, `${path}[${JSON.stringify(k)}]`, name, walk),
      ]),
    );
  }
  if (!isObject(value)) throw invalid(path, 'a JSON object', value);
  return normalizeMessage(value, kind, path, walk);
}

function toFloat(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  // proto3 JSON also allows floats as strings, including "NaN" and "Infinity".
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    if (!Number.isNaN(n) || value === 'NaN') return n;
  }
  throw invalid(path, 'a number', value);
}

function toEnum(value: unknown, names: readonly string[], path: string): string | number {
  if (typeof value === 'string') return value;
  // proto3 JSON parsers accept enum numbers too; unknown numbers are kept rather than guessed.
  if (typeof value === 'number' && Number.isInteger(value)) return names[value] ?? value;
  throw invalid(path, 'an enum name', value);
}
