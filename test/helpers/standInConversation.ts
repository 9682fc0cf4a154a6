// The part of Dialogflow CX's runtime the stand-in plays for DetectIntent, from an agent in the v3
// resource shapes. It follows the page lifecycle (cloud.google.com/dialogflow/cx/docs/concept/page)
// with the handler scope and order of the docs (concept/handler) and of page.proto and flow.proto:
// - A turn's input: an event goes to the event handlers in scope, the page's then the flow's. Text
//   goes first to the intent routes in scope (the page's, its route groups', then the flow's and its
//   groups' routes with an intent), then fills the form parameter being prompted, else raises
//   sys.no-match-default (the parameter's reprompt handler first).
// - A called handler runs its fulfillment, then its target (a webhook's target first). Without a
//   target the page stays and settles: its condition routes (at a flow's start page, the flow's)
//   are evaluated in order and each whose condition holds is called, at most once a turn, until one
//   moves to another page; then the first unfilled required form parameter is prompted (after a
//   webhook invalidated it: its sys.invalid-parameter handler, else its initial prompt again).
// - Entering a page calls its entry fulfillment, then it settles.
// - A fulfillment queues its messages, applies its setParameterActions, then calls its webhook; the
//   response adds messages, sets or clears session parameters, invalidates form parameters and may
//   name a target. A failed call raises its webhook.error event when the caller has no target.
// It is a model for tests, not CX. Conditions are `true`, `$page.params.status = "FINAL"` and
// `$page.params.<id>.status = "UPDATED"` (filled by this turn's input); any other throws.
// NOT CONFIRMED: that after a condition route without a target CX goes on to the next condition
// route in the same turn. The handler docs say "each handler in scope is evaluated in order" and
// "if a handler is in scope and passes evaluation, it is called"; no stored page shows two
// condition routes called in one turn. The dev agent's order page (validate on UPDATED, answer on
// FINAL) relies on it.
// Not modelled: NLU (an intent matches when the input holds a training phrase's words in order),
// entity types other than sys.any and sys.number(-integer), conditional cases, no-input and
// numbered no-match events, the handlers and intents CX gives a new agent (beyond the welcome
// intent the caller supplies), parameter presets on pages, end pages, partial responses.
import { randomUUID } from 'node:crypto';
import type { protos } from '@google-cloud/dialogflow-cx';
import { fromValue } from '../../scripts/cx/struct';
import type { JsonObject, JsonValue, WebhookRequest } from '../../service/protocol/types';
import { callWebhook, type CallerAuth } from './webhookCall';

export type Flow = protos.google.cloud.dialogflow.cx.v3.IFlow;
export type Page = protos.google.cloud.dialogflow.cx.v3.IPage;
export type RouteGroup = protos.google.cloud.dialogflow.cx.v3.ITransitionRouteGroup;
export type Intent = protos.google.cloud.dialogflow.cx.v3.IIntent;
export type Webhook = protos.google.cloud.dialogflow.cx.v3.IWebhook;
type Fulfillment = protos.google.cloud.dialogflow.cx.v3.IFulfillment;
type Route = protos.google.cloud.dialogflow.cx.v3.ITransitionRoute;
type Handler = protos.google.cloud.dialogflow.cx.v3.IEventHandler;
type FormParameter = protos.google.cloud.dialogflow.cx.v3.Form.IParameter;

export interface StandInFlow {
  flow: Flow;
  pages?: Page[];
  routeGroups?: RouteGroup[];
}

export interface StandInWebhook {
  webhook: Webhook;
  /** How the service agent authenticates to this webhook. */
  caller: CallerAuth;
}

export interface StandInAgent {
  name: string;
  /** The first flow is the default start flow. */
  flows: StandInFlow[];
  routeGroups?: RouteGroup[];
  webhooks: StandInWebhook[];
  intents?: Intent[];
}

export interface WebhookCallRecord {
  tag: string;
  request: WebhookRequest;
  status: { code: number; message: string };
}

/** One webhook call of a turn, as QueryResult reports it (v3beta1 has every field). */
export interface TurnCall {
  tag: string;
  /** The webhook's ID, the last segment of its name. */
  webhookId: string;
  displayName: string;
  status: { code: number; message: string };
  /** WebhookResponse.payload; empty when the call failed or returned none. */
  payload: JsonObject;
  latencyMs: number;
}

export interface TurnInput {
  session: string;
  currentPage?: string;
  text?: string;
  event?: string;
  languageCode: string;
}

export interface TurnResult {
  responseId: string;
  messages: string[];
  calls: TurnCall[];
  page: { name: string; displayName: string };
  flow: { name: string; displayName: string };
  params: JsonObject;
  matchType: string;
}

export class NotFound extends Error {}

interface SessionState {
  page: string;
  /** Session parameters; form parameters are kept here too, under their display names. */
  params: JsonObject;
}

const SPECIAL_PAGES: Record<string, string> = {
  START_PAGE: 'Start Page',
  END_SESSION: 'End Session',
  END_FLOW: 'End Flow',
};

/** A page that moves on to itself within a turn loops; CX also stops such an agent. */
const MAX_TRANSITIONS = 20;

const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** Whether `said` holds the words of `phrase` in order, next to each other. */
function saysPhrase(said: readonly string[], phrase: readonly string[]): boolean {
  if (phrase.length === 0) return false;
  for (let i = 0; i + phrase.length <= said.length; i++) {
    if (phrase.every((w, j) => said[i + j] === w)) return true;
  }
  return false;
}

/** The value a form parameter takes from the input, or undefined when the input gives none. */
function extract(parameter: FormParameter, text: string): JsonValue | undefined {
  const type = parameter.entityType?.split('/').pop();
  switch (type) {
    case 'sys.any':
      return text.trim() || undefined;
    case 'sys.number':
    case 'sys.number-integer': {
      const found = /-?\d+(\.\d+)?/.exec(text)?.[0];
      if (found === undefined) return undefined;
      const value = Number(found);
      return type === 'sys.number-integer' && !Number.isInteger(value) ? undefined : value;
    }
    default:
      throw new Error(`the stand-in does not model the entity type ${parameter.entityType}`);
  }
}

const hasIntent = (r: Route) => Boolean(r.intent);

export class Conversation {
  private readonly sessions = new Map<string, SessionState>();
  /** Every webhook call made, in order. */
  readonly calls: WebhookCallRecord[] = [];

  constructor(readonly agent: StandInAgent) {}

  flowOf(page: string): StandInFlow {
    const flowName = page.replace(/\/pages\/[^/]+$/, '');
    const flow = this.agent.flows.find((f) => f.flow.name === flowName);
    if (!flow) throw new NotFound(`Flow '${flowName}' does not exist.`);
    return flow;
  }

  /** The page, or undefined for a flow's special pages (START_PAGE, END_FLOW, …). */
  pageOf(name: string): Page | undefined {
    const flow = this.flowOf(name);
    if ((name.split('/').pop() ?? '') in SPECIAL_PAGES) return undefined;
    const page = flow.pages?.find((p) => p.name === name);
    if (!page) throw new NotFound(`Page '${name}' does not exist.`);
    return page;
  }

  displayName(page: string): string {
    const id = page.split('/').pop() ?? '';
    return SPECIAL_PAGES[id] ?? this.pageOf(page)?.displayName ?? id;
  }

  flowStart(flowName: string): string {
    if (!this.agent.flows.some((f) => f.flow.name === flowName)) {
      throw new NotFound(`Flow '${flowName}' does not exist.`);
    }
    return `${flowName}/pages/START_PAGE`;
  }

  private groups(refs: readonly string[] | null | undefined, flow: StandInFlow): RouteGroup[] {
    const all = [...(flow.routeGroups ?? []), ...(this.agent.routeGroups ?? [])];
    return (refs ?? []).flatMap((ref) => all.filter((g) => g.name === ref));
  }

  /** Routes on `page` itself: its own and its groups'; at a start page, the flow's. */
  private ownRoutes(page: string): Route[] {
    const flow = this.flowOf(page);
    const p = this.pageOf(page);
    const holder = p ?? flow.flow;
    return [
      ...(holder.transitionRoutes ?? []),
      ...this.groups(holder.transitionRouteGroups, flow).flatMap((g) => g.transitionRoutes ?? []),
    ];
  }

  /** Intent routes in scope, in page.proto's order: the page's, then the flow's. */
  intentRoutes(page: string): Route[] {
    const own = this.ownRoutes(page).filter(hasIntent);
    if (!this.pageOf(page)) return own;
    return [...own, ...this.ownRoutes(this.flowStart(this.flowOf(page).flow.name ?? ''))].filter(
      hasIntent,
    );
  }

  /** Condition routes in scope: a flow's are only at its start page (flow.proto). */
  conditionRoutes(page: string): Route[] {
    return this.ownRoutes(page).filter((r) => !hasIntent(r) && r.condition);
  }

  handlerFor(page: string, event: string): Handler | undefined {
    const p = this.pageOf(page);
    return [...(p?.eventHandlers ?? []), ...(this.flowOf(page).flow.eventHandlers ?? [])].find(
      (h) => h.event === event,
    );
  }

  intentMatches(intentName: string, text: string): boolean {
    const intent = this.agent.intents?.find((i) => i.name === intentName);
    const said = words(text);
    return (intent?.trainingPhrases ?? []).some((phrase) =>
      saysPhrase(said, words((phrase.parts ?? []).map((part) => part.text ?? '').join(''))),
    );
  }

  webhook(name: string): StandInWebhook | undefined {
    return this.agent.webhooks.find((w) => w.webhook.name === name);
  }

  async detectIntent(input: TurnInput): Promise<TurnResult> {
    let state = this.sessions.get(input.session);
    // QueryParameters.current_page: "the previous state of the session will be ignored",
    // session parameters included (session.proto).
    if (!state || input.currentPage) {
      state = {
        page: input.currentPage ?? this.flowStart(this.agent.flows[0].flow.name ?? ''),
        params: {},
      };
      this.pageOf(state.page);
      this.sessions.set(input.session, state);
    }
    const turn = new Turn(this, state, input);
    const matchType = await turn.run();
    const flow = this.flowOf(state.page).flow;
    return {
      responseId: turn.responseId,
      messages: turn.messages,
      calls: turn.calls,
      page: { name: state.page, displayName: this.displayName(state.page) },
      flow: { name: flow.name ?? '', displayName: flow.displayName ?? '' },
      params: { ...state.params },
      matchType,
    };
  }
}

/** One detectIntent call: the handlers it calls, with their messages and webhook calls. */
class Turn {
  readonly responseId = randomUUID();
  readonly messages: string[] = [];
  readonly calls: TurnCall[] = [];
  private readonly called = new Set<Route>();
  /** Form parameters this turn's input filled. */
  private readonly updated = new Set<string>();
  private readonly invalidated = new Set<string>();
  private prompted = false;
  private transitions = 0;

  constructor(
    private readonly cx: Conversation,
    private readonly state: SessionState,
    private readonly input: TurnInput,
  ) {}

  /** Runs the turn; returns QueryResult.match.match_type. */
  async run(): Promise<string> {
    const { event, text } = this.input;
    const page = this.state.page;
    if (event !== undefined) {
      const handler = this.cx.handlerFor(page, event);
      if (!handler) return 'NO_MATCH';
      await this.handle(handler);
      return 'EVENT';
    }
    if (text === undefined) return 'NO_MATCH';
    const route = this.cx
      .intentRoutes(page)
      .find(
        (r) =>
          this.cx.intentMatches(r.intent ?? '', text) && (!r.condition || this.holds(r.condition)),
      );
    if (route) {
      this.called.add(route);
      await this.handle(route);
      return 'INTENT';
    }
    const parameter = this.unfilled();
    const value = parameter && extract(parameter, text);
    if (parameter && value !== undefined) {
      this.state.params[parameter.displayName ?? ''] = value;
      this.updated.add(parameter.displayName ?? '');
      await this.settle();
      return 'PARAMETER_FILLING';
    }
    const reprompt = parameter?.fillBehavior?.repromptEventHandlers?.find(
      (h) => h.event === 'sys.no-match-default',
    );
    if (reprompt) this.prompted = true;
    const handler = reprompt ?? this.cx.handlerFor(page, 'sys.no-match-default');
    if (handler) await this.handle(handler);
    else await this.settle();
    return 'NO_MATCH';
  }

  /** Calls a handler; without a transition the page settles. */
  private async handle(trigger: Route | Handler): Promise<void> {
    if (!(await this.invoke(trigger))) await this.settle();
  }

  /** Runs a handler's fulfillment, then its transition; returns whether the session moved. */
  private async invoke(trigger: Route | Handler): Promise<boolean> {
    const own =
      trigger.targetPage ||
      (trigger.targetFlow ? this.cx.flowStart(trigger.targetFlow) : undefined);
    const result = await this.fulfill(trigger.triggerFulfillment);
    if (result.errorEvent && !own) {
      // concept/handler: the error event is raised only when the caller has no target.
      const handler =
        this.cx.handlerFor(this.state.page, result.errorEvent) ??
        this.cx.handlerFor(this.state.page, 'webhook.error');
      return handler ? this.invoke(handler) : false;
    }
    const target = result.target ?? own;
    if (!target) return false;
    await this.enter(target);
    return true;
  }

  private async enter(page: string): Promise<void> {
    if (++this.transitions > MAX_TRANSITIONS) {
      throw new Error(`more than ${MAX_TRANSITIONS} transitions in one turn: the agent loops`);
    }
    this.state.page = page;
    const result = await this.fulfill(this.cx.pageOf(page)?.entryFulfillment);
    if (result.target) return this.enter(result.target);
    await this.settle();
  }

  /** The page's condition routes whose condition holds, in order, then the form's prompt. */
  private async settle(): Promise<void> {
    for (;;) {
      const route = this.cx
        .conditionRoutes(this.state.page)
        .find((r) => !this.called.has(r) && this.holds(r.condition ?? ''));
      if (!route) break;
      this.called.add(route);
      if (await this.invoke(route)) return;
    }
    await this.prompt();
  }

  private async prompt(): Promise<void> {
    const parameter = this.unfilled();
    if (!parameter || this.prompted) return;
    this.prompted = true;
    const reprompt = this.invalidated.has(parameter.displayName ?? '')
      ? parameter.fillBehavior?.repromptEventHandlers?.find(
          (h) => h.event === 'sys.invalid-parameter',
        )
      : undefined;
    if (reprompt) await this.invoke(reprompt);
    else await this.fulfill(parameter.fillBehavior?.initialPromptFulfillment);
  }

  /** The first required form parameter of the current page without a value. */
  private unfilled(): FormParameter | undefined {
    return (this.cx.pageOf(this.state.page)?.form?.parameters ?? []).find(
      (p) => p.required && !((p.displayName ?? '') in this.state.params),
    );
  }

  private holds(condition: string): boolean {
    const c = condition.replace(/\s+/g, ' ').trim();
    if (c === 'true') return true;
    if (c === '$page.params.status = "FINAL"') return this.unfilled() === undefined;
    const updated = /^\$page\.params\.([\w.-]+)\.status = "UPDATED"$/.exec(c)?.[1];
    if (updated !== undefined) return this.updated.has(updated) && updated in this.state.params;
    throw new Error(`the stand-in does not model the condition ${condition}`);
  }

  /** Queues messages, applies parameter presets, calls the webhook. */
  private async fulfill(
    fulfillment: Fulfillment | null | undefined,
  ): Promise<{ target?: string; errorEvent?: string }> {
    if (!fulfillment) return {};
    for (const message of fulfillment.messages ?? []) {
      const variant = message.text?.text?.[0];
      if (variant) this.messages.push(variant);
    }
    // fulfillment.proto: set_parameter_actions are applied "before executing the webhook".
    for (const action of fulfillment.setParameterActions ?? []) {
      const value = fromValue(action.value);
      if (value === null) delete this.state.params[action.parameter ?? ''];
      else this.state.params[action.parameter ?? ''] = value;
    }
    if (!fulfillment.webhook) return {};
    return this.callWebhook(fulfillment.webhook, fulfillment.tag ?? '');
  }

  private async callWebhook(
    name: string,
    tag: string,
  ): Promise<{ target?: string; errorEvent?: string }> {
    const webhookId = name.split('/').pop() ?? '';
    const configured = this.cx.webhook(name);
    if (!configured) {
      const status = { code: 5, message: `Webhook '${name}' does not exist.` };
      this.calls.push({ tag, webhookId, displayName: '', status, payload: {}, latencyMs: 0 });
      return { errorEvent: 'webhook.error' };
    }
    const { webhook, caller } = configured;
    const timeout = webhook.timeout;
    const timeoutMs = timeout
      ? Number(timeout.seconds ?? 0) * 1000 + Number(timeout.nanos ?? 0) / 1e6
      : 5000;
    const request = this.webhookRequest(tag);
    const started = performance.now();
    const outcome = await callWebhook(
      webhook.genericWebService?.uri ?? '',
      caller,
      timeoutMs,
      request,
    );
    this.cx.calls.push({ tag, request, status: outcome.status });
    this.calls.push({
      tag,
      webhookId,
      displayName: webhook.displayName ?? '',
      status: outcome.status,
      payload: (outcome.response?.payload as JsonObject | undefined) ?? {},
      latencyMs: Math.round(performance.now() - started),
    });
    if (!outcome.response) return { errorEvent: outcome.errorEvent ?? 'webhook.error' };
    return { target: this.apply(outcome.response) };
  }

  /** A WebhookResponse's effects; returns the target it names. */
  private apply(response: JsonObject): string | undefined {
    const fulfillmentResponse = response.fulfillmentResponse as
      { messages?: { text?: { text?: string[] } }[]; mergeBehavior?: string } | undefined;
    if (fulfillmentResponse?.mergeBehavior === 'REPLACE') this.messages.length = 0;
    for (const message of fulfillmentResponse?.messages ?? []) {
      const variant = message.text?.text?.[0];
      if (variant) this.messages.push(variant);
    }
    const params = (response.sessionInfo as { parameters?: JsonObject } | undefined)?.parameters;
    for (const [key, value] of Object.entries(params ?? {})) {
      if (value === null) delete this.state.params[key];
      else this.state.params[key] = value;
    }
    const infos = (response.pageInfo as { formInfo?: { parameterInfo?: JsonObject[] } } | undefined)
      ?.formInfo?.parameterInfo;
    for (const info of infos ?? []) {
      if (info.state === 'INVALID' && typeof info.displayName === 'string') {
        delete this.state.params[info.displayName];
        this.invalidated.add(info.displayName);
      }
    }
    if (typeof response.targetPage === 'string') return response.targetPage;
    if (typeof response.targetFlow === 'string') return this.cx.flowStart(response.targetFlow);
    return undefined;
  }

  /** What CX sends: the query, tag, page with its form, session, queued messages. */
  private webhookRequest(tag: string): WebhookRequest {
    const page = this.cx.pageOf(this.state.page);
    const parameterInfo = (page?.form?.parameters ?? []).map((p) => {
      const name = p.displayName ?? '';
      const value: JsonValue | undefined = this.state.params[name];
      return {
        displayName: name,
        ...(p.required ? { required: true } : {}),
        state: value === undefined ? ('EMPTY' as const) : ('FILLED' as const),
        ...(value === undefined ? {} : { value }),
        ...(this.updated.has(name) ? { justCollected: true } : {}),
      };
    });
    return {
      detectIntentResponseId: this.responseId,
      ...(this.input.event !== undefined
        ? { triggerEvent: this.input.event }
        : { text: this.input.text ?? '' }),
      languageCode: this.input.languageCode,
      fulfillmentInfo: { tag },
      pageInfo: {
        currentPage: this.state.page,
        displayName: this.cx.displayName(this.state.page),
        ...(parameterInfo.length ? { formInfo: { parameterInfo } } : {}),
      },
      sessionInfo: { session: this.input.session, parameters: { ...this.state.params } },
      ...(this.messages.length
        ? { messages: this.messages.map((text) => ({ text: { text: [text] } })) }
        : {}),
    };
  }
}
