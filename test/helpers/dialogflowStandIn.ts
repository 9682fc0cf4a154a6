// A local stand-in of Dialogflow CX's gRPC API, built from the official protos that
// @google-cloud/dialogflow-cx ships and served by @grpc/grpc-js on 127.0.0.1. The official clients
// reach it with `--api-endpoint 127.0.0.1:<port> --insecure`. It serves what the tools call:
// Sessions.DetectIntent in v3 and v3beta1 (through Conversation, which calls real webhooks over
// HTTP; v3beta1's QueryResult adds each call's webhook ID, display name, tag and latency) and the
// v3 list calls an agent check makes, paged like the real API so the clients' pagination is
// exercised.
import * as grpc from '@grpc/grpc-js';
import { type Callback, lister, notFound, serviceOf, services, type Version } from './cxProtos';
import { toStruct } from './struct';
import {
  Conversation,
  NotFound,
  type StandInAgent,
  type TurnResult,
  type WebhookCallRecord,
} from './standInConversation';
import { addTestCaseServices, type StandInTestCases } from './standInTestCases';

const service = (name: string, version: Version = 'v3') =>
  serviceOf(services(version).google.cloud.dialogflow.cx[version], name);

/** google.protobuf.Duration of a number of milliseconds. */
const duration = (ms: number) => ({
  seconds: Math.floor(ms / 1000),
  nanos: Math.round(ms % 1000) * 1e6,
});

/**
 * QueryResult (session.proto). The same object answers both versions: v3 drops what it does not
 * declare (webhookIds, webhookDisplayNames, webhookTags, webhookLatencies are v3beta1's).
 */
function queryResult(
  turn: TurnResult,
  input: { text?: { text?: string }; event?: { event?: string }; languageCode?: string },
) {
  return {
    ...(input.event ? { triggerEvent: input.event.event } : { text: input.text?.text }),
    languageCode: input.languageCode,
    responseMessages: turn.messages.map((text) => ({ text: { text: [text] } })),
    webhookStatuses: turn.calls.map((c) => c.status),
    webhookPayloads: turn.calls.map((c) => toStruct(c.payload)),
    webhookIds: turn.calls.map((c) => c.webhookId),
    webhookDisplayNames: turn.calls.map((c) => c.displayName),
    webhookTags: turn.calls.map((c) => c.tag),
    webhookLatencies: turn.calls.map((c) => duration(c.latencyMs)),
    parameters: toStruct(turn.params),
    currentPage: turn.page,
    currentFlow: turn.flow,
    match: { matchType: turn.matchType },
  };
}

export interface StandIn {
  /** `127.0.0.1:<port>` */
  readonly endpoint: string;
  /** The flags that point a tool at the stand-in. */
  readonly flags: string[];
  /** Every webhook call made so far. */
  readonly calls: readonly WebhookCallRecord[];
  /** How many DetectIntent calls came in. */
  detectIntentCount(): number;
  /** Each BatchRunTestCases call: the cases and environment it asked for. */
  testCaseRuns(): { testCases: string[]; environment: string }[];
  close(): Promise<void>;
}

type Call = { request: Record<string, unknown> };

/**
 * session.proto (DetectIntentRequest.session): "The length of the Session ID must not exceed 36
 * characters." Written out here rather than taken from the tools, so the stand-in checks them.
 */
const MAX_SESSION_ID = 36;

/**
 * The session ID of `<agent>/sessions/<id>` or `<agent>/environments/<env>/sessions/<id>`
 * (session.proto, DetectIntentRequest.session), or undefined for another agent's session.
 */
function sessionId(agent: string, session: string): string | undefined {
  if (!session.startsWith(`${agent}/`)) return undefined;
  return /^(?:environments\/[^/]+\/)?sessions\/([^/]+)$/.exec(session.slice(agent.length + 1))?.[1];
}

export async function startDialogflowStandIn(
  agent: StandInAgent,
  options: { pageSize?: number; testCases?: StandInTestCases } = {},
): Promise<StandIn> {
  const pageSize = options.pageSize ?? 2;
  const conversation = new Conversation(agent);
  const flowOf = (name: string) => agent.flows.find((f) => f.flow.name === name);
  let detectIntents = 0;
  const server = new grpc.Server();

  const sessions = {
    detectIntent(call: Call, callback: Callback) {
      detectIntents++;
      const request = call.request as {
        session?: string;
        queryParams?: { currentPage?: string };
        queryInput?: {
          text?: { text?: string };
          event?: { event?: string };
          languageCode?: string;
        };
      };
      const session = request.session ?? '';
      const id = sessionId(agent.name, session);
      if (id === undefined) {
        return notFound(callback, `Agent for session '${session}' does not exist.`);
      }
      if (id.length > MAX_SESSION_ID) {
        return callback({
          code: grpc.status.INVALID_ARGUMENT,
          details: `Session ID '${id}' is ${id.length} characters long; it must not exceed ${MAX_SESSION_ID} characters.`,
        });
      }
      const input = request.queryInput ?? {};
      conversation
        .detectIntent({
          session,
          currentPage: request.queryParams?.currentPage || undefined,
          text: input.text?.text ?? undefined,
          event: input.event?.event ?? undefined,
          languageCode: input.languageCode ?? 'en',
        })
        .then(
          (turn) =>
            callback(null, { responseId: turn.responseId, queryResult: queryResult(turn, input) }),
          (error: Error) =>
            error instanceof NotFound
              ? notFound(callback, error.message)
              : callback({ code: grpc.status.INTERNAL, details: error.message }),
        );
    },
  };
  server.addService(service('Sessions', 'v3'), sessions);
  server.addService(service('Sessions', 'v3beta1'), sessions);
  server.addService(service('Flows'), {
    listFlows: lister('flows', pageSize, (parent) =>
      parent === agent.name ? agent.flows.map((f) => f.flow) : undefined,
    ),
  });
  server.addService(service('Pages'), {
    listPages: lister(
      'pages',
      pageSize,
      (parent) => flowOf(parent) && (flowOf(parent)?.pages ?? []),
    ),
  });
  server.addService(service('TransitionRouteGroups'), {
    listTransitionRouteGroups: lister('transitionRouteGroups', pageSize, (parent) =>
      parent === agent.name
        ? (agent.routeGroups ?? [])
        : flowOf(parent) && (flowOf(parent)?.routeGroups ?? []),
    ),
  });
  server.addService(service('Webhooks'), {
    listWebhooks: lister('webhooks', pageSize, (parent) =>
      parent === agent.name ? agent.webhooks.map((w) => w.webhook) : undefined,
    ),
  });
  server.addService(service('Intents'), {
    listIntents: lister('intents', pageSize, (parent) =>
      parent === agent.name ? (agent.intents ?? []) : undefined,
    ),
  });

  // TestCases and Operations (standInTestCases.ts): the agent's test cases, run as conversations.
  const testCases = addTestCaseServices(
    server,
    agent.name,
    conversation,
    {
      cases: [],
      ...options.testCases,
    },
    pageSize,
  );

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) =>
      error ? reject(error) : resolve(p),
    ),
  );
  const endpoint = `127.0.0.1:${port}`;
  return {
    endpoint,
    flags: ['--api-endpoint', endpoint, '--insecure'],
    calls: conversation.calls,
    detectIntentCount: () => detectIntents,
    testCaseRuns: testCases.runs,
    close: () =>
      new Promise((resolve) => {
        server.tryShutdown(() => resolve());
        // Clients that never closed would hold tryShutdown open.
        setTimeout(() => server.forceShutdown(), 1000).unref();
      }),
  };
}
