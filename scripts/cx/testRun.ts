// What a run of an agent's test cases says, case by case: TestCases.BatchRunTestCases answers with a
// TestCaseResult per case that ran (test_result PASSED or FAILED, each replayed turn with the
// differences CX found) and a TestError per case that could not run (test_case.proto,
// BatchRunTestCasesResponse and BatchRunTestCasesMetadata). For a failure, the first turn that
// differs is put side by side with what the case expected.
import type { protos } from '@google-cloud/dialogflow-cx';
import type { JsonObject } from '../../service/protocol/types';
import { codeName } from './rpcStatus';
import { fromStruct } from './struct';

export type TestCase = protos.google.cloud.dialogflow.cx.v3.ITestCase;
export type TestCaseResult = protos.google.cloud.dialogflow.cx.v3.ITestCaseResult;
export type TestError = protos.google.cloud.dialogflow.cx.v3.ITestError;
type Turn = protos.google.cloud.dialogflow.cx.v3.IConversationTurn;
type Output = protos.google.cloud.dialogflow.cx.v3.ConversationTurn.IVirtualAgentOutput;

// Decoded messages carry enums as numbers: test_case.proto's TestResult and
// TestRunDifference.DiffType, by number.
const TEST_RESULTS = ['TEST_RESULT_UNSPECIFIED', 'PASSED', 'FAILED'];
const DIFF_TYPES = ['DIFF_TYPE_UNSPECIFIED', 'INTENT', 'PAGE', 'PARAMETERS', 'UTTERANCE', 'FLOW'];
const enumName = (names: string[], v: number | string | null | undefined) =>
  typeof v === 'number' ? (names[v] ?? String(v)) : (v ?? names[0]);

/** One side of a turn: what the agent did, or what the case expects it to do. */
export interface TurnView {
  intent: string | null;
  page: string | null;
  parameters: JsonObject | null;
  text: string[];
  /** The agent's error on this turn (VirtualAgentOutput.status), when it had one. */
  error: string | null;
}

export interface TurnDifference {
  /** 1-based, as a person counts turns. */
  turn: number;
  /** What the caller said or sent on the turn. */
  input: string;
  /** The differences CX names: INTENT, PAGE, PARAMETERS, UTTERANCE, FLOW. */
  differences: { type: string; description: string }[];
  expected: TurnView;
  actual: TurnView;
  /**
   * The webhook calls on that turn, as a replay of the case with DetectIntent reports them (the
   * test result itself does not name them); null when no replay was made or it failed.
   */
  webhooks: { tag: string; status: string }[] | null;
}

export type CaseVerdict = 'passed' | 'failed' | 'error' | 'not-run';

export interface CaseOutcome {
  name: string;
  displayName: string;
  tags: string[];
  verdict: CaseVerdict;
  /** Why the case could not run (TestError.status), for `error`. */
  error: string | null;
  /** The first turn that differs, for `failed`. */
  firstDifference: TurnDifference | null;
}

/** Intent or page as a person reads it: its display name, else its resource name. */
const label = (r: { displayName?: string | null; name?: string | null } | null | undefined) =>
  r?.displayName || r?.name || null;

export function view(output: Output | null | undefined): TurnView {
  const status = output?.status;
  return {
    intent: label(output?.triggeredIntent),
    page: label(output?.currentPage),
    parameters: output?.sessionParameters ? fromStruct(output.sessionParameters) : null,
    text: (output?.textResponses ?? []).flatMap((t) => t.text ?? []),
    error:
      status && status.code ? `${codeName(status.code)}: ${status.message ?? ''}`.trim() : null,
  };
}

export function describeInput(turn: Turn | undefined): string {
  const input = turn?.userInput?.input;
  if (input?.text?.text !== undefined && input.text.text !== null) return `"${input.text.text}"`;
  if (input?.event?.event) return `event ${input.event.event}`;
  if (input?.dtmf?.digits) return `DTMF ${input.dtmf.digits}`;
  return '(no input)';
}

/** The first replayed turn CX found different (or in error), against the case's own turn. */
export function firstDifference(testCase: TestCase, result: TestCaseResult): TurnDifference | null {
  const turns = result.conversationTurns ?? [];
  const index = turns.findIndex(
    (t) =>
      (t.virtualAgentOutput?.differences ?? []).length > 0 || t.virtualAgentOutput?.status?.code,
  );
  if (index < 0) return null;
  const expected = testCase.testCaseConversationTurns?.[index];
  const actual = turns[index].virtualAgentOutput;
  return {
    turn: index + 1,
    input: describeInput(turns[index] ?? expected),
    differences: (actual?.differences ?? []).map((d) => ({
      type: enumName(DIFF_TYPES, d.type),
      description: d.description ?? '',
    })),
    expected: view(expected?.virtualAgentOutput),
    actual: view(actual),
    webhooks: null,
  };
}

/**
 * Each case that was asked to run, with its verdict. A result is matched to its case by name
 * (`<case>/results/<id>`); a case with neither a result nor an error is `not-run`.
 */
export function caseOutcomes(
  cases: readonly TestCase[],
  results: readonly TestCaseResult[],
  errors: readonly TestError[],
): CaseOutcome[] {
  return cases.map((c) => {
    const name = c.name ?? '';
    const base = { name, displayName: c.displayName ?? name, tags: c.tags ?? [] };
    const result = results.find((r) => (r.name ?? '').startsWith(`${name}/results/`));
    const error = errors.find((e) => e.testCase === name);
    if (result && enumName(TEST_RESULTS, result.testResult) === 'PASSED') {
      return { ...base, verdict: 'passed', error: null, firstDifference: null };
    }
    if (result) {
      return {
        ...base,
        verdict: 'failed',
        error: null,
        firstDifference: firstDifference(c, result),
      };
    }
    if (error) {
      const s = error.status;
      const why = `${codeName(s?.code)}: ${s?.message ?? ''}`.trim();
      return { ...base, verdict: 'error', error: why, firstDifference: null };
    }
    return { ...base, verdict: 'not-run', error: null, firstDifference: null };
  });
}

/** Whether a case has one of `tags`; a tag may be given with or without its leading '#'. */
export function hasTag(testCase: TestCase, tags: readonly string[]): boolean {
  if (tags.length === 0) return true;
  const wanted = new Set(tags.map((t) => (t.startsWith('#') ? t : `#${t}`)));
  return (testCase.tags ?? []).some((t) => wanted.has(t));
}
