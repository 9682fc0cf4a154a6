// The agent's test cases as files in the repository, one conversation per YAML file in
// agent/test-cases/, read and checked before the program declares anything, so a malformed file
// stops `pulumi preview`/`up` with the file and the field instead of a half-applied update.
// Limits are the ones test_case.proto and session.proto state for TestCase (display_name ≤ 200,
// notes ≤ 400, each tag starts with '#' and ≤ 30 characters) and for TextInput (≤ 256 characters).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as yaml from 'js-yaml';
import type { JsonObject } from '../service/protocol/types';

/** Where the case files live; every `.yaml`/`.yml` file there is one test case. */
export const TEST_CASES_DIR = join(__dirname, '..', 'agent', 'test-cases');

/** A checked case file (the format: docs/regression-gate.md). */
export type TestCaseSpec = ReturnType<typeof parseTestCase>;

export class TestCaseFileError extends Error {
  override readonly name = 'TestCaseFileError';
}

const ROOT = join(__dirname, '..');
const FILE_ID = /^[a-z0-9][a-z0-9-]*$/;
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

type Raw = Record<string, unknown>;

/** The checks of one file's content; every message starts with the file and the field. */
function reader(file: string) {
  const fail = (field: string, problem: string): never => {
    throw new TestCaseFileError(`${file}: ${field}: ${problem}`);
  };
  const object = (value: unknown, field: string, keys?: readonly string[]): Raw => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      fail(field || 'the file', 'must be a mapping');
    }
    const unknown = Object.keys(value as Raw).find((key) => keys && !keys.includes(key));
    if (unknown) {
      fail(field ? `${field}.${unknown}` : unknown, `unknown field (known: ${keys?.join(', ')})`);
    }
    return value as Raw;
  };
  const string = (value: unknown, field: string, max = Infinity): string => {
    if (typeof value !== 'string' || value.trim() === '') fail(field, 'must be a non-empty string');
    if ((value as string).length > max) fail(field, `must be at most ${max} characters`);
    return value as string;
  };
  const optionalString = (value: unknown, field: string, max?: number) =>
    value === undefined ? undefined : string(value, field, max);
  // YAML's JSON schema reads JSON's types only, plus .inf and .nan, which JSON cannot carry.
  const json = (value: unknown, field: string): JsonObject | undefined => {
    if (value === undefined) return undefined;
    const check = (v: unknown, at: string): void => {
      if (typeof v === 'number' && !Number.isFinite(v)) fail(at, 'must be a finite number');
      if (typeof v !== 'object' || v === null) return;
      for (const [k, x] of Object.entries(v)) {
        check(x, Array.isArray(v) ? `${at}[${k}]` : `${at}.${k}`);
      }
    };
    check(object(value, field), field);
    return value as JsonObject;
  };
  return { fail, object, string, optionalString, json };
}

function turn(r: ReturnType<typeof reader>, raw: unknown, field: string) {
  const t = r.object(raw, field, ['user', 'event', 'parameters', 'webhooks', 'expect']);
  if ((t.user === undefined) === (t.event === undefined)) {
    r.fail(field, 'needs exactly one of user (what the caller says) or event');
  }
  // An unquoted number is what the caller types.
  const user = typeof t.user === 'number' ? String(t.user) : t.user;
  if (t.webhooks !== undefined && typeof t.webhooks !== 'boolean') {
    r.fail(`${field}.webhooks`, 'must be true or false');
  }
  const e = r.object(t.expect, `${field}.expect`, ['intent', 'page', 'parameters', 'text']);
  if (Object.keys(e).length === 0) {
    r.fail(`${field}.expect`, 'must name at least one of intent, page, parameters, text');
  }
  const text = typeof e.text === 'string' ? [e.text] : e.text;
  if (text !== undefined && (!Array.isArray(text) || text.length === 0)) {
    r.fail(`${field}.expect.text`, 'must be a string or a non-empty list of strings');
  }
  return {
    input:
      user !== undefined
        ? { text: r.string(user, `${field}.user`, 256) }
        : { event: r.string(t.event, `${field}.event`) },
    // Set before the turn is matched.
    parameters: r.json(t.parameters, `${field}.parameters`),
    // Webhooks are on unless a turn turns them off: they are what is tested.
    webhooks: t.webhooks !== false,
    // Display names, the session parameters compared (only these) and the texts in order.
    expect: {
      intent: r.optionalString(e.intent, `${field}.expect.intent`),
      page: r.optionalString(e.page, `${field}.expect.page`),
      parameters: r.json(e.parameters, `${field}.expect.parameters`),
      text: (text as unknown[] | undefined)?.map((x, i) =>
        r.string(x, `${field}.expect.text[${i}]`),
      ),
    },
  };
}

/** One case file's text, checked; `file` names it in messages. */
export function parseTestCase(file: string, text: string) {
  const r = reader(file);
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
  const tags = c.tags ?? [];
  if (!Array.isArray(tags)) r.fail('tags', 'must be a list');
  (tags as unknown[]).forEach((tag, i) => {
    if (typeof tag !== 'string' || !/^#\S+$/.test(tag) || tag.length > 30) {
      r.fail(`tags[${i}]`, 'must start with # and be at most 30 characters, without spaces');
    }
  });
  const s = c.start === undefined ? undefined : r.object(c.start, 'start', ['flow', 'page']);
  if (s && (s.flow === undefined) === (s.page === undefined)) {
    r.fail('start', 'needs exactly one of flow or page');
  }
  const turns = c.turns;
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
    // Display names; unset: the default start flow's start page.
    start: !s
      ? undefined
      : s.flow !== undefined
        ? { flow: r.string(s.flow, 'start.flow') }
        : { page: r.string(s.page, 'start.page') },
    turns: (turns as unknown[]).map((t, i) => turn(r, t, `turns[${i}]`)),
  };
}

/** Every case file in `dir`, checked, in file-name order; names must be unique. */
export function readTestCaseFiles(dir: string = TEST_CASES_DIR): readonly TestCaseSpec[] {
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
