// The agent a stack deploys, for the Dialogflow stand-in: the CX webhook, flows, pages and intents
// the program asks for under the mocks (test/helpers/infra.ts runStack), turned from @pulumi/gcp's
// input shapes into the v3 resource shapes the stand-in serves. What the program sends is what
// Dialogflow would hold, so a conversation with the stand-in covers what deploys. The translation
// is strict: a field it does not know throws, so wiring the stand-in cannot follow is noticed.
import { FakeGcp } from '../../infra/plan/fakeGcp';
import type { ProgramRun, RecordedResource } from '../../infra/plan/recorder';
import { toValue } from './struct';
import type { JsonValue } from '../../service/protocol/types';
import type {
  Flow,
  Intent,
  Page,
  StandInAgent,
  StandInFlow,
  StandInWebhook,
} from './standInConversation';
import type { CallerAuth } from './webhookCall';

// Recorded inputs are whatever the program sent; each translation reads the fields its type has.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument */
type Inputs = Record<string, any>;

const TYPES = {
  webhook: 'gcp:diagflow/cxWebhook:CxWebhook',
  flow: 'gcp:diagflow/cxFlow:CxFlow',
  page: 'gcp:diagflow/cxPage:CxPage',
  intent: 'gcp:diagflow/cxIntent:CxIntent',
};

/**
 * The welcome intent every agent is created with (the program only refers to it), with a few of
 * the training phrases Dialogflow gives it; the real one has more.
 */
const WELCOME_INTENT_ID = '00000000-0000-0000-0000-000000000000';
const WELCOME_PHRASES = ['hi', 'hello', 'hey', 'hi there', 'good morning'];

/** The fields of `value` after checking it has no others. */
function known(value: Inputs | undefined, fields: readonly string[], where: string): Inputs {
  for (const key of Object.keys(value ?? {})) {
    if (!fields.includes(key)) throw new Error(`${where}: the stand-in does not model ${key}`);
  }
  return value ?? {};
}

function fulfillment(f: Inputs | undefined, where: string) {
  if (!f) return undefined;
  const { messages, webhook, tag, setParameterActions } = known(
    f,
    ['messages', 'webhook', 'tag', 'setParameterActions'],
    where,
  );
  return {
    messages: (messages as Inputs[] | undefined)?.map((m) => ({
      text: { text: known(m, ['text'], `${where} message`).text.texts as string[] },
    })),
    webhook,
    tag,
    // The provider takes each value as JSON text.
    setParameterActions: (setParameterActions as Inputs[] | undefined)?.map((a) => ({
      parameter: a.parameter as string,
      value: toValue(JSON.parse(a.value as string) as JsonValue),
    })),
  };
}

function routes(list: Inputs[] | undefined, where: string) {
  return (list ?? []).map((r, i) => {
    const at = `${where} transitionRoutes[${i}]`;
    const { intent, condition, triggerFulfillment, targetPage, targetFlow } = known(
      r,
      ['intent', 'condition', 'triggerFulfillment', 'targetPage', 'targetFlow'],
      at,
    );
    return {
      intent,
      condition,
      triggerFulfillment: fulfillment(triggerFulfillment, at),
      targetPage,
      targetFlow,
    };
  });
}

function handlers(list: Inputs[] | undefined, where: string) {
  return (list ?? []).map((h, i) => {
    const at = `${where} eventHandlers[${i}]`;
    const { event, triggerFulfillment, targetPage, targetFlow } = known(
      h,
      ['event', 'triggerFulfillment', 'targetPage', 'targetFlow'],
      at,
    );
    return {
      event,
      triggerFulfillment: fulfillment(triggerFulfillment, at),
      targetPage,
      targetFlow,
    };
  });
}

function page(r: RecordedResource, name: string): Page {
  const where = `page ${r.name}`;
  const i = known(
    r.inputs,
    ['parent', 'displayName', 'entryFulfillment', 'form', 'transitionRoutes', 'eventHandlers'],
    where,
  );
  return {
    name,
    displayName: i.displayName as string,
    entryFulfillment: fulfillment(i.entryFulfillment, `${where} entryFulfillment`),
    form: {
      parameters: ((known(i.form, ['parameters'], where).parameters ?? []) as Inputs[]).map(
        (p, n) => {
          const at = `${where} form.parameters[${n}]`;
          const { displayName, entityType, required, fillBehavior } = known(
            p,
            ['displayName', 'entityType', 'required', 'fillBehavior'],
            at,
          );
          const fill = known(
            fillBehavior,
            ['initialPromptFulfillment', 'repromptEventHandlers'],
            at,
          );
          return {
            displayName,
            entityType,
            required,
            fillBehavior: {
              initialPromptFulfillment: fulfillment(fill.initialPromptFulfillment, at),
              repromptEventHandlers: handlers(fill.repromptEventHandlers, at),
            },
          };
        },
      ),
    },
    transitionRoutes: routes(i.transitionRoutes, where),
    eventHandlers: handlers(i.eventHandlers, where),
  };
}

function flow(r: RecordedResource, name: string): Flow {
  const where = `flow ${r.name}`;
  const i = known(
    r.inputs,
    [
      'parent',
      'displayName',
      'description',
      'isDefaultStartFlow',
      'transitionRoutes',
      'eventHandlers',
    ],
    where,
  );
  return {
    name,
    displayName: i.displayName as string,
    description: i.description as string | undefined,
    transitionRoutes: routes(i.transitionRoutes, where),
    eventHandlers: handlers(i.eventHandlers, where),
  };
}

function intent(r: RecordedResource, name: string): Intent {
  const i = known(r.inputs, ['parent', 'displayName', 'description', 'trainingPhrases'], r.name);
  return {
    name,
    displayName: i.displayName as string,
    description: i.description as string | undefined,
    trainingPhrases: i.trainingPhrases as Intent['trainingPhrases'],
  };
}

/** A Duration as the provider writes it ("5s"), in protobuf form. */
function duration(text: string): { seconds: number; nanos: number } {
  const seconds = Number(/^(\d+(?:\.\d+)?)s$/.exec(text)?.[1]);
  if (!Number.isFinite(seconds)) throw new Error(`not a duration: ${text}`);
  return { seconds: Math.floor(seconds), nanos: Math.round((seconds % 1) * 1e9) };
}

export interface PlannedAgent {
  readonly agent: StandInAgent;
  readonly agentName: string;
  readonly webhookName: string;
  readonly smokeFlowName?: string;
  readonly startFlowName: string;
}

/**
 * The stack's agent, its CX webhook pointed at `uri` (the local service) and called the way
 * `caller` says. Resource names are the ones the mocks gave (FakeGcp is deterministic).
 */
export function agentFromPlan(run: ProgramRun, uri: string, caller: CallerAuth): PlannedAgent {
  const fake = new FakeGcp();
  const nameOf = (r: RecordedResource) =>
    fake.newResource({
      type: r.type,
      name: r.name,
      inputs: r.inputs,
      custom: true,
      // An imported resource keeps its name.
      id: r.options.import,
    }).id as string;
  const of = (type: string) => run.resources.filter((r) => r.type === type);
  const agentName = run.outputs.agentName as string;
  const webhookName = run.outputs.webhookName as string;

  const webhooks: StandInWebhook[] = of(TYPES.webhook).map((r) => ({
    webhook: {
      name: nameOf(r),
      displayName: r.inputs.displayName as string,
      genericWebService: { uri },
      timeout: duration((r.inputs.timeout as string | undefined) ?? '5s'),
    },
    caller,
  }));
  const pages = of(TYPES.page).map((r) => ({
    parent: r.inputs.parent as string,
    page: page(r, nameOf(r)),
  }));
  const flows: StandInFlow[] = of(TYPES.flow).map((r) => {
    const name = nameOf(r);
    return {
      flow: flow(r, name),
      pages: pages.filter((p) => p.parent === name).map((p) => p.page),
    };
  });
  const startFlowName = `${agentName}/flows/00000000-0000-0000-0000-000000000000`;
  // The stand-in takes the first flow as the default start flow.
  flows.sort(
    (a, b) => Number(b.flow.name === startFlowName) - Number(a.flow.name === startFlowName),
  );
  if (flows[0]?.flow.name !== startFlowName) {
    // An agent the program did not wire still has its default start flow.
    flows.unshift({ flow: { name: startFlowName, displayName: 'Default Start Flow' }, pages: [] });
  }
  const intents: Intent[] = [
    {
      name: `${agentName}/intents/${WELCOME_INTENT_ID}`,
      displayName: 'Default Welcome Intent',
      trainingPhrases: WELCOME_PHRASES.map((text) => ({ parts: [{ text }], repeatCount: 1 })),
    },
    ...of(TYPES.intent).map((r) => intent(r, nameOf(r))),
  ];
  return {
    agent: { name: agentName, flows, webhooks, intents },
    agentName,
    webhookName,
    smokeFlowName: run.outputs.smokeFlowName as string | undefined,
    startFlowName,
  };
}
