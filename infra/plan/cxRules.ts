// Rules Dialogflow CX applies to flows, pages, intents and test cases, from the v3 protos that
// @google-cloud/dialogflow-cx ships (build/protos/google/cloud/dialogflow/cx/v3): the mock model
// refuses what the API would, so the program cannot rely on something CX rejects.

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument,
   @typescript-eslint/no-unsafe-call */
type Json = Record<string, any>;

const AGENT = 'projects/[^/]+/locations/[^/]+/agents/[^/]+';
/** A resource name under `parent`, capturing the parent's name. */
const under = (parent: string, collection: string) =>
  new RegExp(`^(${parent})/${collection}/[^/]+$`);
export const AGENT_NAME = new RegExp(`^${AGENT}$`);
export const FLOW_NAME = under(AGENT, 'flows');
const WEBHOOK_NAME = under(AGENT, 'webhooks');
const INTENT_NAME = under(AGENT, 'intents');
const PAGE_NAME = under(`${AGENT}/flows/[^/]+`, 'pages');
/** The parent a resource name has by `pattern`, if it has that form. */
const parentBy = (pattern: RegExp, name: unknown) => pattern.exec(String(name))?.[1];

/** The agent a flow (or page) name belongs to. */
export const agentOfFlow = (flow: string) => parentBy(FLOW_NAME, flow);

/** fulfillment.proto: `tag` "is required if `webhook` is specified"; the webhook is the agent's. */
export function checkFulfillment(f: Json | undefined, agent: string, where: string): void {
  if (!f?.webhook) return;
  if (parentBy(WEBHOOK_NAME, f.webhook) !== agent) {
    throw new Error(`${where}: webhook ${f.webhook} is not a webhook of ${agent}`);
  }
  if (!f.tag) throw new Error(`${where}: a fulfillment that calls a webhook needs a tag`);
}

/** page.proto: a target page is in the handler's host flow; targetPage, targetFlow are one of. */
function checkTarget(handler: Json, agent: string, flow: string, where: string): void {
  if (handler.targetPage && handler.targetFlow) {
    throw new Error(`${where}: targetPage and targetFlow are one of`);
  }
  if (handler.targetPage && parentBy(PAGE_NAME, handler.targetPage) !== flow) {
    throw new Error(`${where}: target page ${handler.targetPage} is not in ${flow}`);
  }
  if (handler.targetFlow && parentBy(FLOW_NAME, handler.targetFlow) !== agent) {
    throw new Error(`${where}: target flow ${handler.targetFlow} is not in ${agent}`);
  }
}

/** page.proto EventHandler: an event, and a fulfillment or a target. */
function checkEventHandler(handler: Json, agent: string, flow: string, where: string): void {
  if (!handler.event) throw new Error(`${where}: an event handler needs an event`);
  checkTarget(handler, agent, flow, where);
  checkFulfillment(handler.triggerFulfillment, agent, where);
}

/**
 * A flow's (or a page's) routes and event handlers, for the flow that hosts them. page.proto
 * TransitionRoute: at least one of intent or condition; at least one of trigger_fulfillment and
 * target.
 */
export function checkFlowBody(body: Json, agent: string, flow: string, where: string): void {
  (body.transitionRoutes ?? []).forEach((route: Json, i: number) => {
    const at = `${where} transitionRoutes[${i}]`;
    if (!route.intent && !route.condition) throw new Error(`${at}: needs an intent or a condition`);
    if (route.intent && parentBy(INTENT_NAME, route.intent) !== agent) {
      throw new Error(`${at}: intent ${route.intent} is not an intent of ${agent}`);
    }
    checkTarget(route, agent, flow, at);
    if (!route.triggerFulfillment && !route.targetPage && !route.targetFlow) {
      throw new Error(`${at}: needs a fulfillment or a target`);
    }
    checkFulfillment(route.triggerFulfillment, agent, at);
  });
  (body.eventHandlers ?? []).forEach((h: Json, i: number) =>
    checkEventHandler(h, agent, flow, `${where} eventHandlers[${i}]`),
  );
}

/** page.proto Form.Parameter: a display name, an entity type, and (required) an initial prompt. */
export function checkForm(form: Json | undefined, agent: string, flow: string, where: string) {
  (form?.parameters ?? []).forEach((p: Json, i: number) => {
    const at = `${where} form.parameters[${i}]`;
    if (!p.displayName) throw new Error(`${at}: needs a displayName`);
    if (!p.entityType) throw new Error(`${at}: needs an entityType`);
    if (p.required && !p.fillBehavior?.initialPromptFulfillment) {
      throw new Error(`${at}: a required parameter needs fillBehavior.initialPromptFulfillment`);
    }
    checkFulfillment(p.fillBehavior?.initialPromptFulfillment, agent, at);
    (p.fillBehavior?.repromptEventHandlers ?? []).forEach((h: Json, j: number) =>
      checkEventHandler(h, agent, flow, `${at} repromptEventHandlers[${j}]`),
    );
  });
}

/** A google.protobuf.Struct given as JSON text, if given. */
function checkStruct(text: string | undefined, where: string): void {
  let value: unknown;
  try {
    value = text === undefined ? {} : JSON.parse(text);
  } catch {
    throw new Error(`${where}: not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where}: must be a JSON object (a google.protobuf.Struct)`);
  }
}

/**
 * test_case.proto and session.proto, TestCase: display_name required, ≤ 200 characters, notes
 * ≤ 400; each tag starts with '#' and has ≤ 30 characters; test_config names a flow or a page, not
 * both; TextInput.text ≤ 256 characters; QueryInput is one of text, event, dtmf; the intent and
 * page a turn expects are the agent's.
 */
export function checkTestCase(i: Json, agent: string, where: string): void {
  if (!i.displayName || String(i.displayName).length > 200) {
    throw new Error(`${where}: displayName is required, at most 200 characters`);
  }
  if (i.notes && String(i.notes).length > 400)
    throw new Error(`${where}: notes over 400 characters`);
  for (const tag of (i.tags ?? []) as string[]) {
    if (!tag.startsWith('#') || tag.length > 30) {
      throw new Error(`${where}: tag "${tag}" must start with # and have at most 30 characters`);
    }
  }
  const config = (i.testConfig ?? {}) as Json;
  if (config.flow && config.page) throw new Error(`${where}: testConfig takes a flow or a page`);
  if (config.flow && agentOfFlow(config.flow) !== agent) {
    throw new Error(`${where}: testConfig.flow ${config.flow} is not a flow of ${agent}`);
  }
  ((i.testCaseConversationTurns ?? []) as Json[]).forEach((turn, n) => {
    const at = `${where} testCaseConversationTurns[${n}]`;
    const input = (turn.userInput?.input ?? {}) as Json;
    if (['text', 'event', 'dtmf'].filter((k) => input[k] !== undefined).length !== 1) {
      throw new Error(`${at}: the input is one of text, event, dtmf`);
    }
    if (input.text && String(input.text.text).length > 256) {
      throw new Error(`${at}: text input over 256 characters`);
    }
    checkStruct(turn.userInput?.injectedParameters, `${at} injectedParameters`);
    const output = (turn.virtualAgentOutput ?? {}) as Json;
    checkStruct(output.sessionParameters, `${at} sessionParameters`);
    const intent = output.triggeredIntent?.name;
    if (intent !== undefined && parentBy(INTENT_NAME, intent) !== agent) {
      throw new Error(`${at}: intent ${intent} is not an intent of ${agent}`);
    }
    for (const page of [output.currentPage?.name, config.page].filter((p) => p !== undefined)) {
      if (agentOfFlow(parentBy(PAGE_NAME, page) ?? '') !== agent) {
        throw new Error(`${at}: page ${page} is not a page of ${agent}`);
      }
    }
  });
}
