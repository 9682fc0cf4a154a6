// What a run of an agent's test cases says, case by case: TestCases.BatchRunTestCases answers with
// a TestCaseResult per case that ran (test_result PASSED or FAILED, each replayed turn with the
// differences CX found) and a TestError per case that could not run (test_case.proto,
// BatchRunTestCasesResponse and BatchRunTestCasesMetadata). For a failure, the first turn that
// differs is put side by side with what the case expected.
import type { protos } from '@google-cloud/dialogflow-cx';
import { codeName } from './connection';
import { fromStruct } from './struct';

export type TestCase = protos.google.cloud.dialogflow.cx.v3.ITestCase;
export type TestCaseResult = protos.google.cloud.dialogflow.cx.v3.ITestCaseResult;
export type TestError = protos.google.cloud.dialogflow.cx.v3.ITestError;
type Output = protos.google.cloud.dialogflow.cx.v3.ConversationTurn.IVirtualAgentOutput;
type Input = protos.google.cloud.dialogflow.cx.v3.IQueryInput;

// Decoded messages carry enums as numbers: test_case.proto's TestResult and
// TestRunDifference.DiffType, by number.
const TEST_RESULTS = ['TEST_RESULT_UNSPECIFIED', 'PASSED', 'FAILED'];
const DIFF_TYPES = ['DIFF_TYPE_UNSPECIFIED', 'INTENT', 'PAGE', 'PARAMETERS', 'UTTERANCE', 'FLOW'];
const enumName = (names: string[], v: number | string | null | undefined) =>
  typeof v === 'number' ? (names[v] ?? String(v)) : (v ?? names[0]);

/** A google.rpc.Status in one line, e.g. `NOT_FOUND: … does not exist`. */
const statusLine = (s: { code?: number | null; message?: string | null } | null | undefined) =>
  `${codeName(s?.code)}: ${s?.message ?? ''}`.trim();

/** Intent or page as a person reads it: its display name, else its resource name. */
const label = (r: { displayName?: string | null; name?: string | null } | null | undefined) =>
  r?.displayName || r?.name || null;

/** One side of a turn: what the agent did, or what the case expects it to do. */
function view(output: Output | null | undefined) {
  return {
    intent: label(output?.triggeredIntent),
    page: label(output?.currentPage),
    parameters: output?.sessionParameters ? fromStruct(output.sessionParameters) : null,
    text: (output?.textResponses ?? []).flatMap((t) => t.text ?? []),
    /** The agent's error on this turn (VirtualAgentOutput.status), when it had one. */
    error: output?.status?.code ? statusLine(output.status) : null,
  };
}

export type TurnView = ReturnType<typeof view>;

/** A turn's input as a person would name it. */
function describeInput(input: Input | null | undefined): string {
  if (typeof input?.text?.text === 'string') return `"${input.text.text}"`;
  if (input?.event?.event) return `event ${input.event.event}`;
  if (input?.dtmf?.digits) return `DTMF ${input.dtmf.digits}`;
  return '(no input)';
}

/** The first replayed turn CX found different (or in error), against the case's own turn. */
function firstDifference(testCase: TestCase, result: TestCaseResult) {
  const turns = result.conversationTurns ?? [];
  const index = turns.findIndex(
    ({ virtualAgentOutput: out }) => out?.differences?.length || out?.status?.code,
  );
  if (index < 0) return null;
  const actual = turns[index].virtualAgentOutput;
  const expected = testCase.testCaseConversationTurns?.[index];
  const input = turns[index].userInput?.input;
  return {
    /** 1-based, as a person counts turns. */
    turn: index + 1,
    input: describeInput(input),
    differences: (actual?.differences ?? []).map((d) => ({
      type: enumName(DIFF_TYPES, d.type),
      description: d.description ?? '',
    })),
    expected: view(expected?.virtualAgentOutput),
    actual: view(actual),
    /**
     * The webhook calls on that turn, as a replay of the case with DetectIntent reports them (the
     * test result itself does not name them); null when no replay was made or it failed.
     */
    webhooks: null as { tag: string; status: string }[] | null,
  };
}

export type TurnDifference = NonNullable<ReturnType<typeof firstDifference>>;

/**
 * Each case that was asked to run, with its verdict: `error` with why for a case that could not
 * run (TestError.status), `failed` with its first differing turn. A result is matched to its case
 * by name (`<case>/results/<id>`); a case with neither a result nor an error is `not-run`.
 */
export function caseOutcomes(
  cases: readonly TestCase[],
  results: readonly TestCaseResult[],
  errors: readonly TestError[],
) {
  return cases.map((c) => {
    const name = c.name ?? '';
    const result = results.find((r) => (r.name ?? '').startsWith(`${name}/results/`));
    const error = errors.find((e) => e.testCase === name);
    const passed = result && enumName(TEST_RESULTS, result.testResult) === 'PASSED';
    const verdict = passed ? 'passed' : result ? 'failed' : error ? 'error' : 'not-run';
    return {
      name,
      displayName: c.displayName ?? name,
      tags: c.tags ?? [],
      verdict,
      error: !result && error ? statusLine(error.status) : null,
      firstDifference: result && !passed ? firstDifference(c, result) : null,
    };
  });
}

export type CaseOutcome = ReturnType<typeof caseOutcomes>[number];

/** Whether a case has one of `tags`; a tag may be given with or without its leading '#'. */
export function hasTag(testCase: TestCase, tags: readonly string[]): boolean {
  if (tags.length === 0) return true;
  const wanted = new Set(tags.map((t) => (t.startsWith('#') ? t : `#${t}`)));
  return (testCase.tags ?? []).some((t) => wanted.has(t));
}
