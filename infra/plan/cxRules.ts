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
const FLOW_NAME = under(AGENT, 'flows');
const WEBHOOK_NAME = under(AGENT, 'webhooks');
const INTENT_NAME = under(AGENT, 'intents');
const PAGE_NAME = under(`${AGENT}/flows/[^/]+`, 'pages');
/** A page name, capturing its agent's name. */
const PAGE_OF_AGENT = under(AGENT, 'flows/[^/]+/pages');

/** The agent a flow (or page) name belongs to. */
export const agentOfFlow = (flow: string) => FLOW_NAME.exec(flow)?.[1];

/** Throws unless `name`, where given, has the form of `pattern` under `owner`. */
function owned(pattern: RegExp, name: string | undefined, owner: string, what: string) {
  if (name && pattern.exec(name)?.[1] !== owner) {
    throw new Error(`${what} ${name} is not in ${owner}`);
  }
}

/** fulfillment.proto: `tag` "is required if `webhook` is specified"; the webhook is the agent's. */
function checkFulfillment(f: Json | undefined, agent: string, where: string): void {
  if (!f?.webhook) return;
  owned(WEBHOOK_NAME, f.webhook, agent, `${where}: webhook`);
  if (!f.tag) throw new Error(`${where}: a fulfillment that calls a webhook needs a tag`);
}

/** page.proto: a target page is in the handler's host flow; targetPage, targetFlow are one of. */
function checkTarget(handler: Json, agent: string, flow: string, where: string): void {
  if (handler.targetPage && handler.targetFlow) {
    throw new Error(`${where}: targetPage and targetFlow are one of`);
  }
  owned(PAGE_NAME, handler.targetPage, flow, `${where}: target page`);
  owned(FLOW_NAME, handler.targetFlow, agent, `${where}: target flow`);
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
    owned(INTENT_NAME, route.intent, agent, `${at}: intent`);
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

/**
 * A page: its routes and event handlers, its form and its entry fulfillment. page.proto
 * Form.Parameter: a display name, an entity type, and (required) an initial prompt. A route's
 * condition may name the form's parameters as `$page.params.<id>`
 * (cloud.google.com/dialogflow/cx/docs/reference/condition): CX takes the expression as written and
 * reads a parameter the form lacks as unset, so a misspelt one leaves a route that never fires; the
 * model refuses it instead.
 */
export function checkPage(page: Json, agent: string, flow: string, where: string): void {
  checkFlowBody(page, agent, flow, where);
  const parameters = (page.form?.parameters ?? []) as Json[];
  parameters.forEach((p, i) => {
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
  // Parameter names are case-insensitive (concept/parameter, "Parameter naming").
  const names = new Set(parameters.map((p) => String(p.displayName).toLowerCase()));
  (page.transitionRoutes ?? []).forEach((route: Json, n: number) => {
    for (const [, id] of String(route.condition ?? '').matchAll(/\$page\.params\.([\w-]+)\./g)) {
      if (!names.has(id.toLowerCase())) {
        throw new Error(`${where} transitionRoutes[${n}]: the page has no form parameter ${id}`);
      }
    }
  });
  checkFulfillment(page.entryFulfillment, agent, `${where} entryFulfillment`);
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
  owned(FLOW_NAME, config.flow, agent, `${where}: testConfig.flow`);
  owned(PAGE_OF_AGENT, config.page, agent, `${where}: testConfig.page`);
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
    owned(INTENT_NAME, output.triggeredIntent?.name, agent, `${at}: intent`);
    owned(PAGE_OF_AGENT, output.currentPage?.name, agent, `${at}: page`);
  });
}
