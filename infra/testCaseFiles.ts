// The agent's test cases as files in the repository, one conversation per YAML file in
// agent/test-cases/, read and checked before the program declares anything, so a malformed file
// stops `pulumi preview`/`up` with the file and the field instead of a half-applied update.
// Limits are the ones test_case.proto and session.proto state for TestCase (display_name ≤ 200,
// notes ≤ 400, each tag starts with '#' and ≤ 30 characters) and for TextInput (≤ 256 characters).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as yaml from 'js-yaml';
import type { JsonObject, JsonValue } from '../service/protocol/types';

/** Where the case files live; every `.yaml`/`.yml` file there is one test case. */
export const TEST_CASES_DIR = join(__dirname, '..', 'agent', 'test-cases');

export interface TurnExpectation {
  /** Display name of the intent the turn should match. */
  readonly intent?: string;
  /** Display name of the page the session should be on after the turn. */
  readonly page?: string;
  /** Session parameters after the turn (only these are compared). */
  readonly parameters?: JsonObject;
  /** The agent's text responses, in order. */
  readonly text?: readonly string[];
}

export interface TestCaseTurn {
  readonly input: { readonly text: string } | { readonly event: string };
  /** Parameters set before the turn is matched. */
  readonly parameters?: JsonObject;
  /** Whether the agent may call webhooks on this turn (default true: that is what is tested). */
  readonly webhooks: boolean;
  readonly expect: TurnExpectation;
}

export interface TestCaseSpec {
  /** The file, relative to the repository, for messages. */
  readonly file: string;
  /** The file's base name: the resource's name in the program. */
  readonly id: string;
  readonly displayName: string;
  readonly tags: readonly string[];
  readonly notes?: string;
  readonly language: string;
  /** Where the conversation starts (display names); the default start flow's start page if unset. */
  readonly start?: { readonly flow: string } | { readonly page: string };
  readonly turns: readonly TestCaseTurn[];
}

export class TestCaseFileError extends Error {
  override readonly name = 'TestCaseFileError';
}

const ROOT = join(__dirname, '..');
const FILE_ID = /^[a-z0-9][a-z0-9-]*$/;
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

type Raw = Record<string, unknown>;

/** Checks one file's content; `where` prefixes every message. */
class Reader {
  constructor(private readonly file: string) {}

  fail(field: string, problem: string): never {
    throw new TestCaseFileError(`${this.file}: ${field}: ${problem}`);
  }

  object(value: unknown, field: string, keys: readonly string[]): Raw {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(field || 'the file', 'must be a mapping');
    }
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) {
        this.fail(
          field === '' ? key : `${field}.${key}`,
          `unknown field (known: ${keys.join(', ')})`,
        );
      }
    }
    return value as Raw;
  }

  string(value: unknown, field: string, max?: number): string {
    if (typeof value !== 'string' || value.trim() === '')
      this.fail(field, 'must be a non-empty string');
    if (max !== undefined && value.length > max)
      this.fail(field, `must be at most ${max} characters`);
    return value;
  }

  optionalString(value: unknown, field: string, max?: number): string | undefined {
    return value === undefined ? undefined : this.string(value, field, max);
  }

  json(value: unknown, field: string): JsonObject {
    const object = this.object(value, field, Object.keys((value as Raw | null) ?? {}));
    const check = (v: unknown, at: string): JsonValue => {
      if (v === null || ['string', 'boolean'].includes(typeof v)) return v as JsonValue;
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      if (Array.isArray(v)) return v.map((x, i) => check(x, `${at}[${i}]`));
      if (typeof v === 'object') {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, check(x, `${at}.${k}`)]));
      }
      return this.fail(at, 'must be a JSON value (string, number, boolean, null, list or mapping)');
    };
    return check(object, field) as JsonObject;
  }
}

function turn(r: Reader, raw: unknown, field: string): TestCaseTurn {
  const t = r.object(raw, field, ['user', 'event', 'parameters', 'webhooks', 'expect']);
  if ((t.user === undefined) === (t.event === undefined)) {
    r.fail(field, 'needs exactly one of user (what the caller says) or event');
  }
  const input =
    t.user !== undefined
      ? {
          text: r.string(
            typeof t.user === 'number' ? String(t.user) : t.user,
            `${field}.user`,
            256,
          ),
        }
      : { event: r.string(t.event, `${field}.event`) };
  if (t.webhooks !== undefined && typeof t.webhooks !== 'boolean') {
    r.fail(`${field}.webhooks`, 'must be true or false');
  }
  const e = r.object(t.expect, `${field}.expect`, ['intent', 'page', 'parameters', 'text']);
  if (Object.keys(e).length === 0) {
    r.fail(`${field}.expect`, 'must name at least one of intent, page, parameters, text');
  }
  let text: string[] | undefined;
  if (e.text !== undefined) {
    const list = typeof e.text === 'string' ? [e.text] : e.text;
    if (!Array.isArray(list) || list.length === 0) {
      r.fail(`${field}.expect.text`, 'must be a string or a non-empty list of strings');
    }
    text = list.map((x, i) => r.string(x, `${field}.expect.text[${i}]`));
  }
  return {
    input,
    parameters:
      t.parameters === undefined ? undefined : r.json(t.parameters, `${field}.parameters`),
    webhooks: t.webhooks !== false,
    expect: {
      intent: r.optionalString(e.intent, `${field}.expect.intent`),
      page: r.optionalString(e.page, `${field}.expect.page`),
      parameters:
        e.parameters === undefined ? undefined : r.json(e.parameters, `${field}.expect.parameters`),
      text,
    },
  };
}

/** One case file's text, checked; `file` names it in messages. */
export function parseTestCase(file: string, text: string): TestCaseSpec {
  // Annotated, so TypeScript narrows after r.fail (which never returns).
  const r: Reader = new Reader(file);
  const id = (file.split('/').pop() ?? '').replace(/\.ya?ml$/, '');
  if (!FILE_ID.test(id)) {
    r.fail('file name', 'use lower-case letters, digits and dashes (it names the resource)');
  }
  let raw: unknown;
  try {
    raw = yaml.load(text, { filename: file, schema: yaml.JSON_SCHEMA });
  } catch (error) {
    r.fail('YAML', (error as Error).message.split('\n')[0]);
  }
  const c = r.object(raw, '', ['name', 'tags', 'notes', 'language', 'start', 'turns']);
  const tags: unknown = c.tags ?? [];
  if (!Array.isArray(tags)) r.fail('tags', 'must be a list');
  tags.forEach((tag: unknown, i) => {
    if (typeof tag !== 'string' || !/^#\S+$/.test(tag) || tag.length > 30) {
      r.fail(`tags[${i}]`, 'must start with # and be at most 30 characters, without spaces');
    }
  });
  let start: TestCaseSpec['start'];
  if (c.start !== undefined) {
    const s = r.object(c.start, 'start', ['flow', 'page']);
    if ((s.flow === undefined) === (s.page === undefined)) {
      r.fail('start', 'needs exactly one of flow or page');
    }
    start =
      s.flow !== undefined
        ? { flow: r.string(s.flow, 'start.flow') }
        : { page: r.string(s.page, 'start.page') };
  }
  const turns: unknown = c.turns;
  if (!Array.isArray(turns) || turns.length === 0) r.fail('turns', 'must be a non-empty list');
  const language = r.optionalString(c.language, 'language') ?? 'en';
  if (!LANGUAGE.test(language)) r.fail('language', `"${language}" is not a language code`);
  return {
    file,
    id,
    displayName: r.string(c.name, 'name', 200),
    tags: tags as string[],
    notes: r.optionalString(c.notes, 'notes', 400),
    language,
    start,
    turns: turns.map((t: unknown, i) => turn(r, t, `turns[${i}]`)),
  };
}

/** Every case file in `dir`, checked, in file-name order; names must be unique. */
export function readTestCaseFiles(dir: string = TEST_CASES_DIR): TestCaseSpec[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.ya?ml$/.test(n));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const cases = names
    .sort()
    .map((n) => parseTestCase(relative(ROOT, join(dir, n)), readFileSync(join(dir, n), 'utf8')));
  const seen = new Map<string, string>();
  for (const c of cases) {
    const other = seen.get(c.displayName) ?? seen.get(`id:${c.id}`);
    if (other) {
      throw new TestCaseFileError(
        `${c.file}: name: "${c.displayName}" (or its file name) is also used by ${other}; each case needs its own`,
      );
    }
    seen.set(c.displayName, c.file).set(`id:${c.id}`, c.file);
  }
  return cases;
}
