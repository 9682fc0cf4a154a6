// The stand-in's TestCases service (v3 test_case.proto) and google.longrunning.Operations
// (google-gax's operations.proto), from the official protos: ListTestCases paged like the real
// API, and BatchRunTestCases as a long-running operation whose GetOperation answers "not done" a
// set number of times before it carries the BatchRunTestCasesResponse (results) and
// BatchRunTestCasesMetadata (errors), packed as google.protobuf.Any as the API packs them.
// A run replays each case through the stand-in's Conversation (which calls real webhooks) and
// marks the differences test_case.proto names (INTENT, PAGE, PARAMETERS for the tracking
// parameters, UTTERANCE); the descriptions are the stand-in's own wording.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import type { protos } from '@google-cloud/dialogflow-cx';
import { fromStruct } from '../../scripts/cx/struct';
import { toStruct } from './struct';
import { type Callback, lister, notFound, serviceOf, services } from './cxProtos';
import { protoType } from './proto';
import { NotFound, type Conversation, type TurnResult } from './standInConversation';

export type TestCase = protos.google.cloud.dialogflow.cx.v3.ITestCase;
type Turn = protos.google.cloud.dialogflow.cx.v3.IConversationTurn;

export interface StandInTestCases {
  /** The agent's test cases, with full names. */
  cases: TestCase[];
  /** GetOperation answers "not done" this many times before the run is done (default 1). */
  pollsUntilDone?: number;
}

/** The two services, from test_case.proto (which imports most CX protos and longrunning's). */
function definitions() {
  const root = services('v3', ['test_case']);
  return {
    testCases: serviceOf(root.google.cloud.dialogflow.cx.v3, 'TestCases'),
    operations: serviceOf(root.google.longrunning as grpc.GrpcObject, 'Operations'),
  };
}

/** google.protobuf.Any of a v3 message, as an Operation carries its response and metadata. */
function pack(typeName: string, json: object) {
  const type = protoType(typeName);
  return {
    typeUrl: `type.googleapis.com/google.cloud.dialogflow.cx.v3.${typeName}`,
    value: Buffer.from(type.encode(type.fromObject(json)).finish()),
  };
}

const timestamp = () => ({ seconds: Math.floor(Date.now() / 1000), nanos: 0 });

type Difference = { type: string; description: string };

/** What one replayed turn differs in from the case's turn. */
function differences(
  expected: Turn['virtualAgentOutput'],
  actual: TurnResult & { intent?: string },
  tracked: readonly string[],
): Difference[] {
  const out: Difference[] = [];
  const want = expected ?? {};
  if (want.triggeredIntent?.name && want.triggeredIntent.name !== actual.intent) {
    out.push({
      type: 'INTENT',
      description: `Expected intent ${want.triggeredIntent.name}, got ${actual.intent ?? 'none'}`,
    });
  }
  if (want.currentPage?.name && want.currentPage.name !== actual.page.name) {
    out.push({
      type: 'PAGE',
      description: `Expected page ${want.currentPage.name}, got ${actual.page.displayName}`,
    });
  }
  if (want.sessionParameters) {
    const params = fromStruct(want.sessionParameters);
    const off = tracked.filter(
      (k) => k in params && !isDeepStrictEqual(params[k], actual.params[k]),
    );
    if (off.length) {
      out.push({ type: 'PARAMETERS', description: `Parameters differ: ${off.join(', ')}` });
    }
  }
  const text = (want.textResponses ?? []).flatMap((t) => t.text ?? []);
  if (text.length && !isDeepStrictEqual(text, actual.messages)) {
    out.push({ type: 'UTTERANCE', description: 'The agent said something else' });
  }
  return out;
}

/** Replays a case on a fresh session; throws NotFound for a page or flow the agent lacks. */
async function replay(conversation: Conversation, agent: string, testCase: TestCase) {
  const session = `${agent}/sessions/test-${randomUUID()}`;
  const config = testCase.testConfig ?? {};
  let page =
    config.page || (config.flow ? conversation.flowStart(config.flow) : undefined) || undefined;
  const first = page;
  const turns: Turn[] = [];
  let failed = false;
  const tracked = config.trackingParameters ?? [];
  for (const [i, turn] of (testCase.testCaseConversationTurns ?? []).entries()) {
    const user = turn.userInput ?? {};
    if (user.injectedParameters || user.isWebhookEnabled === false) {
      throw new Error('the stand-in does not model injected parameters or disabled webhooks');
    }
    const input = user.input ?? {};
    const text = input.text?.text ?? undefined;
    // The intent a text turn matched: the first intent route in scope whose training phrases hold.
    const before = page ?? conversation.flowStart(conversation.agent.flows[0].flow.name ?? '');
    const result = await conversation.detectIntent({
      session,
      currentPage: i === 0 ? first : undefined,
      text,
      event: input.event?.event ?? undefined,
      languageCode: input.languageCode ?? 'en',
    });
    const intent =
      result.matchType === 'INTENT' && text !== undefined
        ? (conversation
            .intentRoutes(before)
            .find((r) => conversation.intentMatches(r.intent ?? '', text))?.intent ?? undefined)
        : undefined;
    page = result.page.name;
    const diffs = differences(turn.virtualAgentOutput, { ...result, intent }, tracked);
    failed ||= diffs.length > 0;
    const intentName = conversation.agent.intents?.find((x) => x.name === intent)?.displayName;
    turns.push({
      userInput: turn.userInput,
      virtualAgentOutput: {
        currentPage: result.page,
        ...(intent ? { triggeredIntent: { name: intent, displayName: intentName } } : {}),
        sessionParameters: toStruct(result.params),
        textResponses: [{ text: result.messages }],
        differences: diffs,
      },
    } as Turn);
  }
  return { conversationTurns: turns, testResult: failed ? 'FAILED' : 'PASSED' };
}

/** Adds TestCases and Operations to `server`, for `agent`'s cases run through `conversation`. */
export function addTestCaseServices(
  server: grpc.Server,
  agent: string,
  conversation: Conversation,
  options: StandInTestCases,
  pageSize: number,
): { runs: () => { testCases: string[]; environment: string }[] } {
  const { testCases, operations } = definitions();
  const runs: { testCases: string[]; environment: string }[] = [];
  const ops = new Map<string, { polls: number; done?: object }>();

  server.addService(testCases, {
    listTestCases: lister(
      'testCases',
      pageSize,
      (parent) => (parent === agent ? options.cases : undefined),
      (parent) => `Agent '${parent}' does not exist.`,
    ),
    batchRunTestCases(
      call: { request: { parent?: string; environment?: string; testCases?: string[] } },
      callback: Callback,
    ) {
      const { parent, environment = '', testCases: names = [] } = call.request;
      if (parent !== agent) return notFound(callback, `Agent '${parent}' does not exist.`);
      if (names.length === 0) {
        return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'test_cases is required.' });
      }
      runs.push({ testCases: names, environment });
      const name = `${agent}/operations/${randomUUID()}`;
      const op = { polls: 0 } as { polls: number; done?: object };
      ops.set(name, op);
      const results: object[] = [];
      const errors: object[] = [];
      const run = async () => {
        for (const caseName of names) {
          const testCase = options.cases.find((c) => c.name === caseName);
          try {
            if (!testCase) throw new NotFound(`Test case '${caseName}' does not exist.`);
            results.push({
              name: `${caseName}/results/${randomUUID()}`,
              environment,
              testTime: timestamp(),
              ...(await replay(conversation, agent, testCase)),
            });
          } catch (error) {
            const code = error instanceof NotFound ? grpc.status.NOT_FOUND : grpc.status.INTERNAL;
            errors.push({
              testCase: caseName,
              status: { code, message: (error as Error).message },
              testTime: timestamp(),
            });
          }
        }
        op.done = {
          response: pack('BatchRunTestCasesResponse', { results }),
          metadata: pack('BatchRunTestCasesMetadata', { errors }),
        };
      };
      run().then(
        () => callback(null, { name, done: false }),
        (error: Error) => callback({ code: grpc.status.INTERNAL, details: error.message }),
      );
    },
  });

  server.addService(operations, {
    getOperation(call: { request: { name?: string } }, callback: Callback) {
      const op = ops.get(call.request.name ?? '');
      if (!op) return notFound(callback, `Operation '${call.request.name}' does not exist.`);
      op.polls++;
      const ready = op.polls > (options.pollsUntilDone ?? 1) && op.done;
      callback(
        null,
        ready
          ? { name: call.request.name, done: true, ...op.done }
          : { name: call.request.name, done: false },
      );
    },
  });
  return { runs: () => runs };
}
