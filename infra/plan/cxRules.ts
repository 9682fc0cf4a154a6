// Rules Dialogflow CX applies to flows, pages and intents, from the v3 protos that
// @google-cloud/dialogflow-cx ships (build/protos/google/cloud/dialogflow/cx/v3): the mock model
// refuses what the API would, so the program cannot rely on something CX rejects.

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call */
type Json = Record<string, any>;

export const AGENT_NAME = /^projects\/[^/]+\/locations\/[^/]+\/agents\/[^/]+$/;
export const FLOW_NAME = /^(projects\/[^/]+\/locations\/[^/]+\/agents\/[^/]+)\/flows\/[^/]+$/;
const WEBHOOK_NAME = /^(projects\/[^/]+\/locations\/[^/]+\/agents\/[^/]+)\/webhooks\/[^/]+$/;
const PAGE_NAME =
  /^(projects\/[^/]+\/locations\/[^/]+\/agents\/[^/]+\/flows\/[^/]+)\/pages\/[^/]+$/;
const INTENT_NAME = /^(projects\/[^/]+\/locations\/[^/]+\/agents\/[^/]+)\/intents\/[^/]+$/;

/** fulfillment.proto: `tag` "is required if `webhook` is specified"; the webhook is the agent's. */
export function checkFulfillment(f: Json | undefined, agent: string, where: string): void {
  if (!f?.webhook) return;
  const owner = WEBHOOK_NAME.exec(String(f.webhook))?.[1];
  if (owner !== agent)
    throw new Error(`${where}: webhook ${f.webhook} is not a webhook of ${agent}`);
  if (!f.tag) throw new Error(`${where}: a fulfillment that calls a webhook needs a tag`);
}

/**
 * page.proto TransitionRoute: at least one of intent or condition; at least one of
 * trigger_fulfillment and target; the target page is in the same host flow.
 */
function checkRoute(route: Json, agent: string, flow: string, where: string): void {
  if (!route.intent && !route.condition)
    throw new Error(`${where}: needs an intent or a condition`);
  if (route.intent && INTENT_NAME.exec(String(route.intent))?.[1] !== agent) {
    throw new Error(`${where}: intent ${route.intent} is not an intent of ${agent}`);
  }
  checkTarget(route, agent, flow, where);
  if (!route.triggerFulfillment && !route.targetPage && !route.targetFlow) {
    throw new Error(`${where}: needs a fulfillment or a target`);
  }
  checkFulfillment(route.triggerFulfillment, agent, where);
}

function checkTarget(handler: Json, agent: string, flow: string, where: string): void {
  if (handler.targetPage && handler.targetFlow) {
    throw new Error(`${where}: targetPage and targetFlow are one of`);
  }
  if (handler.targetPage && PAGE_NAME.exec(String(handler.targetPage))?.[1] !== flow) {
    throw new Error(`${where}: target page ${handler.targetPage} is not in ${flow}`);
  }
  if (handler.targetFlow && FLOW_NAME.exec(String(handler.targetFlow))?.[1] !== agent) {
    throw new Error(`${where}: target flow ${handler.targetFlow} is not in ${agent}`);
  }
}

/** page.proto EventHandler: an event, and a fulfillment or a target. */
function checkEventHandler(handler: Json, agent: string, flow: string, where: string): void {
  if (!handler.event) throw new Error(`${where}: an event handler needs an event`);
  checkTarget(handler, agent, flow, where);
  checkFulfillment(handler.triggerFulfillment, agent, where);
}

/** A flow's (or a page's) routes and event handlers, for the flow that hosts them. */
export function checkFlowBody(body: Json, agent: string, flow: string, where: string): void {
  (body.transitionRoutes ?? []).forEach((r: Json, i: number) =>
    checkRoute(r, agent, flow, `${where} transitionRoutes[${i}]`),
  );
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

/** The agent a flow (or page) name belongs to. */
export const agentOfFlow = (flow: string) => FLOW_NAME.exec(flow)?.[1];
