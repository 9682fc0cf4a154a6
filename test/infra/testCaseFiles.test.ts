import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  TEST_CASES_DIR,
  TestCaseFileError,
  parseTestCase,
  readTestCaseFiles,
} from '../../infra/testCaseFiles';

const FIXTURES = join(__dirname, 'fixtures', 'test-cases');
const FILE = 'agent/test-cases/x.yaml';

/** The message a case file is refused with, or undefined if it is accepted. */
function refusal(text: string, file = FILE): string | undefined {
  try {
    parseTestCase(file, text);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(TestCaseFileError);
    return (error as Error).message;
  }
}

const turn = '  - user: hello\n    expect: { page: P }\n';

describe('case files', () => {
  it('reads every .yaml and .yml file of the folder, in name order, into the case each describes', () => {
    const cases = readTestCaseFiles(join(FIXTURES, 'valid'));
    expect(cases.map((c) => [c.file, c.id])).toEqual([
      ['test/infra/fixtures/test-cases/valid/second.yml', 'second'],
      ['test/infra/fixtures/test-cases/valid/two-turns.yaml', 'two-turns'],
    ]);
    expect(cases[0]).toMatchObject({ tags: [], language: 'en', start: undefined });
    expect(cases[1]).toEqual({
      file: 'test/infra/fixtures/test-cases/valid/two-turns.yaml',
      id: 'two-turns',
      displayName: 'Two turns',
      tags: ['#fixture'],
      notes: 'A fixture for the parser.',
      language: 'de',
      start: { page: 'Fixture page' },
      turns: [
        {
          input: { text: 'first words' },
          parameters: undefined,
          webhooks: true,
          expect: {
            intent: 'fixture.intent',
            page: 'Fixture page',
            parameters: undefined,
            text: ['One answer', 'Another answer'],
          },
        },
        {
          input: { event: 'fixture-event' },
          parameters: { injected: [1, 'two'] },
          webhooks: false,
          expect: {
            intent: undefined,
            page: undefined,
            parameters: { kept: { nested: true }, gone: null },
            text: undefined,
          },
        },
        {
          // An unquoted number is what the caller types.
          input: { text: '123456' },
          parameters: undefined,
          webhooks: true,
          expect: {
            intent: undefined,
            page: undefined,
            parameters: undefined,
            text: ['A single line'],
          },
        },
      ],
    });
  });

  it('is an empty list when the folder does not exist', () => {
    expect(readTestCaseFiles(join(FIXTURES, 'no-such-folder'))).toEqual([]);
  });

  it('refuses two files with the same case name, naming both', () => {
    expect(() => readTestCaseFiles(join(FIXTURES, 'duplicate'))).toThrow(
      'test/infra/fixtures/test-cases/duplicate/b.yaml: name: "Second" (or its file name) is also used by test/infra/fixtures/test-cases/duplicate/a.yaml',
    );
  });

  it.each([
    ['not YAML', 'name: [unclosed', /^agent\/test-cases\/x\.yaml: YAML: /],
    ['not a mapping', '- a list', 'agent/test-cases/x.yaml: the file: must be a mapping'],
    ['no name', `turns:\n${turn}`, 'agent/test-cases/x.yaml: name: must be a non-empty string'],
    [
      'a long name',
      `name: ${'n'.repeat(201)}\nturns:\n${turn}`,
      'name: must be at most 200 characters',
    ],
    [
      'an unknown key',
      `name: n\ntrun: []\nturns:\n${turn}`,
      'trun: unknown field (known: name, tags',
    ],
    ['a tag without #', `name: n\ntags: [smoke]\nturns:\n${turn}`, 'tags[0]: must start with #'],
    [
      'a long tag',
      `name: n\ntags: ['#${'t'.repeat(30)}']\nturns:\n${turn}`,
      'tags[0]: must start with # and be at most 30',
    ],
    [
      'long notes',
      `name: n\nnotes: ${'x'.repeat(401)}\nturns:\n${turn}`,
      'notes: must be at most 400',
    ],
    ['no turns', 'name: n\nturns: []', 'turns: must be a non-empty list'],
    [
      'a bad language',
      `name: n\nlanguage: English\nturns:\n${turn}`,
      'language: "English" is not a language code',
    ],
    [
      'start with both',
      `name: n\nstart: { flow: F, page: P }\nturns:\n${turn}`,
      'start: needs exactly one of flow or page',
    ],
    [
      'a turn with user and event',
      'name: n\nturns:\n  - { user: a, event: b, expect: { page: P } }',
      'turns[0]: needs exactly one of user',
    ],
    [
      'a turn without input',
      'name: n\nturns:\n  - { expect: { page: P } }',
      'turns[0]: needs exactly one of user',
    ],
    [
      'text over 256 characters',
      `name: n\nturns:\n  - { user: ${'w'.repeat(257)}, expect: { page: P } }`,
      'turns[0].user: must be at most 256',
    ],
    [
      'a turn expecting nothing',
      'name: n\nturns:\n  - { user: a, expect: {} }',
      'turns[0].expect: must name at least one of',
    ],
    [
      'a turn without expect',
      'name: n\nturns:\n  - { user: a }',
      'turns[0].expect: must be a mapping',
    ],
    [
      'a misspelt expectation',
      'name: n\nturns:\n  - { user: a, expect: { pgae: P } }',
      'turns[0].expect.pgae: unknown field',
    ],
    [
      'an empty intent',
      "name: n\nturns:\n  - { user: a, expect: { intent: '' } }",
      'turns[0].expect.intent: must be a non-empty string',
    ],
    [
      'text that is not text',
      'name: n\nturns:\n  - { user: a, expect: { text: [1] } }',
      'turns[0].expect.text[0]: must be a non-empty string',
    ],
    [
      'parameters as a list',
      'name: n\nturns:\n  - { user: a, expect: { parameters: [1] } }',
      'turns[0].expect.parameters: must be a mapping',
    ],
    // YAML's JSON schema reads .inf and .nan as numbers, which JSON (and so CX) cannot carry.
    [
      'an infinite number among the parameters',
      'name: n\nturns:\n  - { user: a, parameters: { x: .inf }, expect: { page: P } }',
      'turns[0].parameters.x: must be a finite number',
    ],
    [
      'NaN deep in the expected parameters',
      'name: n\nturns:\n  - { user: a, expect: { parameters: { x: [1, { y: .nan }] } } }',
      'turns[0].expect.parameters.x[1].y: must be a finite number',
    ],
    [
      'webhooks as text',
      'name: n\nturns:\n  - { user: a, webhooks: no, expect: { page: P } }',
      'turns[0].webhooks: must be true or false',
    ],
  ])('refuses %s, naming the file and the field', (_what, text, message) => {
    const got = refusal(text);
    expect(got).toBeDefined();
    if (typeof message === 'string') expect(got).toContain(message);
    else expect(got).toMatch(message);
    expect(got).toMatch(/^agent\/test-cases\/x\.yaml: /);
  });

  it('refuses a file name that cannot name a resource', () => {
    expect(refusal(`name: n\nturns:\n${turn}`, 'agent/test-cases/Order Status.yaml')).toMatch(
      /Order Status\.yaml: file name: use lower-case letters, digits and dashes/,
    );
  });

  it('refuses the malformed fixture, naming its file and field', () => {
    expect(() => readTestCaseFiles(join(FIXTURES, 'malformed'))).toThrow(
      'test/infra/fixtures/test-cases/malformed/broken.yaml: turns[0].expect: must name at least one of',
    );
  });
});

describe('the committed case files', () => {
  it('all parse, one case per file', () => {
    // A rule for whatever cases a team keeps there, not what they say.
    const files = readdirSync(TEST_CASES_DIR).filter((n) => /\.ya?ml$/.test(n));
    expect(readTestCaseFiles()).toHaveLength(files.length);
  });
});
