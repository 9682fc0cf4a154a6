import { caseOutcomes, type TestCase } from '../../../scripts/cx/testRun';

// A failed case names the input of its first differing turn as a person would: quoted text, the
// event, or the DTMF digits (QueryInput's one-of, session.proto v3).

function inputOfFailure(input: Record<string, unknown> | undefined): string | undefined {
  const testCase: TestCase = { name: 'agents/a/testCases/c' };
  const [outcome] = caseOutcomes(
    [testCase],
    [
      {
        name: 'agents/a/testCases/c/results/r',
        testResult: 2, // FAILED
        conversationTurns: [
          {
            userInput: { input },
            virtualAgentOutput: { differences: [{ type: 2, description: 'page' }] },
          },
        ],
      },
    ],
    [],
  );
  return outcome.firstDifference?.input;
}

it('names text, an event, DTMF digits, or no input', () => {
  expect(inputOfFailure({ text: { text: 'hello' } })).toBe('"hello"');
  expect(inputOfFailure({ text: { text: '' } })).toBe('""');
  expect(inputOfFailure({ event: { event: 'welcome' } })).toBe('event welcome');
  expect(inputOfFailure({ dtmf: { digits: '42' } })).toBe('DTMF 42');
  expect(inputOfFailure(undefined)).toBe('(no input)');
});
