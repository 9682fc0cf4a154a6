import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type * as pulumi from '@pulumi/pulumi';
import type * as componentModule from '../../infra/components/agentTestCases';
import type * as fakeGcpModule from '../../infra/plan/fakeGcp';
import type * as filesModule from '../../infra/testCaseFiles';
import { TEST_CASES_DIR, readTestCaseFiles } from '../../infra/testCaseFiles';
import { KEY, MINIMAL_STACKS, all, runMinimalStack, runStack } from '../helpers/infra';

const FIXTURES = join(__dirname, 'fixtures', 'test-cases');
const TEST_CASE = 'gcp:diagflow/cxTestCase:CxTestCase';
const AGENT = 'projects/acme-fixture/locations/global/agents/a1';
const FLOW = `${AGENT}/flows/f1`;
// The catalogue a wiring would hand over: the names the fixture cases use.
const CATALOGUE: componentModule.AgentCatalogue = {
  intents: { 'fixture.intent': `${AGENT}/intents/i1` },
  pages: { 'Fixture page': `${FLOW}/pages/p1` },
  flows: { 'Fixture flow': FLOW },
};
process.setMaxListeners(50);

interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Builds the component alone under the offline plan's model of Google Cloud. */
async function runComponent(dir: string, catalogue = CATALOGUE): Promise<Recorded[]> {
  const recorded: Recorded[] = [];
  await jest.isolateModulesAsync(async () => {
    const sdk = require('@pulumi/pulumi') as typeof pulumi;
    const { FakeGcp } = require('../../infra/plan/fakeGcp') as typeof fakeGcpModule;
    const { AgentTestCases } =
      require('../../infra/components/agentTestCases') as typeof componentModule;
    const fake = new FakeGcp();
    await sdk.runtime.setMocks(
      {
        newResource: (args) => {
          const result = fake.newResource(args);
          if (args.type === TEST_CASE) recorded.push(args);
          return result;
        },
        call: (args) => fake.call(args),
      },
      'cx-webhook-kit',
      'dev',
      false,
    );
    const cases = new AgentTestCases('cases', {
      agent: AGENT,
      cases: readTestCaseFiles(dir),
      catalogue,
    });
    await Promise.all(
      Object.values(cases.names).map((n) => new Promise((resolve) => n.apply(resolve))),
    );
  });
  return recorded;
}

describe('AgentTestCases', () => {
  it('declares one CX test case per file, with names resolved and the expected parameters tracked', async () => {
    const run = await runComponent(join(FIXTURES, 'valid'));
    expect(run.map((r) => [r.type, r.name])).toEqual([
      [TEST_CASE, 'cases-second'],
      [TEST_CASE, 'cases-two-turns'],
    ]);
    expect(run[1].inputs).toEqual({
      parent: AGENT,
      displayName: 'Two turns',
      tags: ['#fixture'],
      notes: 'A fixture for the parser.',
      testConfig: { page: `${FLOW}/pages/p1`, trackingParameters: ['kept', 'gone'] },
      testCaseConversationTurns: [
        {
          userInput: {
            input: { languageCode: 'de', text: { text: 'first words' } },
            isWebhookEnabled: true,
          },
          virtualAgentOutput: {
            triggeredIntent: { name: `${AGENT}/intents/i1` },
            currentPage: { name: `${FLOW}/pages/p1` },
            textResponses: [{ texts: ['One answer', 'Another answer'] }],
          },
        },
        {
          userInput: {
            input: { languageCode: 'de', event: { event: 'fixture-event' } },
            injectedParameters: '{"injected":[1,"two"]}',
            isWebhookEnabled: false,
          },
          virtualAgentOutput: { sessionParameters: '{"kept":{"nested":true},"gone":null}' },
        },
        {
          userInput: {
            input: { languageCode: 'de', text: { text: '123456' } },
            isWebhookEnabled: true,
          },
          virtualAgentOutput: { textResponses: [{ texts: ['A single line'] }] },
        },
      ],
    });
    // Nothing to track, nothing tracked.
    expect(run[0].inputs.testConfig).toEqual({ trackingParameters: [] });
  });

  it('refuses a name the program does not create, naming the file, the field and what exists', async () => {
    const catalogue = { ...CATALOGUE, intents: { 'another.intent': `${AGENT}/intents/i2` } };
    await expect(runComponent(join(FIXTURES, 'valid'), catalogue)).rejects.toThrow(
      'test/infra/fixtures/test-cases/valid/two-turns.yaml: turns[0].expect.intent: the program creates no intent "fixture.intent" in this agent (known: "another.intent")',
    );
  });
});

/** Runs the program with the case files of `dir` instead of agent/test-cases/. */
async function runWithCases(dir: string, stack = 'dev') {
  let declaredBefore: number | undefined;
  // Counts every resource the program declares, as the recorder's stack transformation sees it.
  let declared = 0;
  jest.doMock('../../infra/testCaseFiles', () => {
    const actual = jest.requireActual<typeof filesModule>('../../infra/testCaseFiles');
    return {
      ...actual,
      TEST_CASES_DIR: dir,
      readTestCaseFiles: (d: string) => {
        declaredBefore = declared;
        return actual.readTestCaseFiles(d);
      },
    };
  });
  try {
    const run = await runStack(stack, {}, { onConstructed: () => (declared += 1) }).catch(
      (error: unknown) => error as Error,
    );
    return { run, declaredBefore };
  } finally {
    jest.dontMock('../../infra/testCaseFiles');
  }
}

describe('the program and the case files', () => {
  it('stops on a malformed case file before it declares any resource, naming the file and field', async () => {
    const { run, declaredBefore } = await runWithCases(join(FIXTURES, 'malformed'));
    expect(run).toBeInstanceOf(Error);
    expect((run as Error).message).toBe(
      'test/infra/fixtures/test-cases/malformed/broken.yaml: turns[0].expect: must name at least one of intent, page, parameters, text',
    );
    expect(declaredBefore).toBe(0);
  });

  it('creates no test case in an existing agent', async () => {
    const { stack, config } = MINIMAL_STACKS['prod with an existing agent'];
    expect(config[KEY('agentId')]).toBeDefined();
    const run = await runMinimalStack(stack, config);
    expect(all(run, TEST_CASE)).toEqual([]);
  });

  it('creates one test case per committed file in an agent it creates, inside that agent', async () => {
    const { stack, config } = MINIMAL_STACKS['dev with a created agent'];
    const run = await runMinimalStack(stack, config);
    const cases = all(run, TEST_CASE);
    const files = readdirSync(TEST_CASES_DIR).filter((n) => /\.ya?ml$/.test(n));
    expect(cases).toHaveLength(files.length);
    const agent = all(run, 'gcp:diagflow/cxAgent:CxAgent')[0];
    for (const c of cases) {
      expect(c.inputs.parent).toBe(run.outputs.agentName);
      // Kept with the agent on destroy, like everything the program puts inside it.
      expect(c.options.deletedWith).toBe(agent.urn);
    }
    expect(cases.map((c) => c.inputs.displayName).sort()).toEqual(
      readTestCaseFiles()
        .map((c) => c.displayName)
        .sort(),
    );
  });
});
