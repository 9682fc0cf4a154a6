// The part of Dialogflow CX's runtime the stand-in plays for DetectIntent, from a scripted agent:
// event handlers (page, then flow), intent routes by training phrase (page, its route groups, flow,
// its route groups), form filling with `$page.params.status = "FINAL"` routes, entry fulfillment
// and parameter prompts on entering a page, webhook calls with their effects (messages, session
// parameters, INVALID parameters, target page or flow) and the webhook.error events
// (cloud.google.com/dialogflow/cx/docs/concept/handler). It is a model for tests, not CX itself:
// conditions other than `true` and the FINAL test, entity extraction and NLU are out of scope.
import { randomUUID } from 'node:crypto';
import type { protos } from '@google-cloud/dialogflow-cx';
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

interface SessionState {
  page: string;
  params: JsonObject;
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
  webhookStatuses: { code: number; message: string }[];
  webhookPayloads: JsonObject[];
  page: { name: string; displayName: string };
  flow: { name: string; displayName: string };
  params: JsonObject;
  matchType: string;
}

export class NotFound extends Error {}

const SPECIAL_PAGES: Record<string, string> = {
  START_PAGE: 'Start Page',
  END_SESSION: 'End Session',
  END_FLOW: 'End Flow',
};

const normalise = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N} ]/gu, '')
    .trim();

export class Conversation {
  private readonly sessions = new Map<string, SessionState>();
  /** Every webhook call made, in order. */
  readonly calls: WebhookCallRecord[] = [];

  constructor(private readonly agent: StandInAgent) {}

  private flowOf(page: string): StandInFlow {
    const flowName = page.replace(/\/pages\/[^/]+$/, '');
    const flow = this.agent.flows.find((f) => f.flow.name === flowName);
    if (!flow) throw new NotFound(`Flow '${flowName}' does not exist.`);
    return flow;
  }

  private pageOf(name: string): Page | undefined {
    const id = name.split('/').pop() ?? '';
    if (id in SPECIAL_PAGES) {
      this.flowOf(name);
      return undefined;
    }
    const page = this.flowOf(name).pages?.find((p) => p.name === name);
    if (!page) throw new NotFound(`Page '${name}' does not exist.`);
    return page;
  }

  private displayName(page: string): string {
    const id = page.split('/').pop() ?? '';
    return SPECIAL_PAGES[id] ?? this.pageOf(page)?.displayName ?? id;
  }

  private groups(refs: readonly string[] | null | undefined, flow: StandInFlow): RouteGroup[] {
    const all = [...(flow.routeGroups ?? []), ...(this.agent.routeGroups ?? [])];
    return (refs ?? []).flatMap((ref) => all.filter((g) => g.name === ref));
  }

  /** Routes in scope on `page`, in CX's order: the page's, then the flow's. */
  private routesInScope(page: string): Route[] {
    const flow = this.flowOf(page);
    const p = this.pageOf(page);
    return [
      ...(p?.transitionRoutes ?? []),
      ...this.groups(p?.transitionRouteGroups, flow).flatMap((g) => g.transitionRoutes ?? []),
      ...(flow.flow.transitionRoutes ?? []),
      ...this.groups(flow.flow.transitionRouteGroups, flow).flatMap(
        (g) => g.transitionRoutes ?? [],
      ),
    ];
  }

  private handlerFor(page: string, event: string): Handler | undefined {
    const p = this.pageOf(page);
    return [...(p?.eventHandlers ?? []), ...(this.flowOf(page).flow.eventHandlers ?? [])].find(
      (h) => h.event === event,
    );
  }

  private intentMatches(intentName: string, text: string): boolean {
    const intent = this.agent.intents?.find((i) => i.name === intentName);
    return (intent?.trainingPhrases ?? []).some((phrase) => {
      const said = normalise((phrase.parts ?? []).map((part) => part.text ?? '').join(''));
      return said !== '' && normalise(text).includes(said);
    });
  }

  private formComplete(page: string, params: JsonObject): boolean {
    return (this.pageOf(page)?.form?.parameters ?? []).every(
      (p) => !p.required || (p.displayName ?? '') in params,
    );
  }

  private conditionHolds(condition: string, page: string, params: JsonObject): boolean {
    const c = condition.replace(/\s+/g, ' ').trim();
    if (c === 'true') return true;
    if (c === '$page.params.status = "FINAL"') return this.formComplete(page, params);
    return false;
  }

  async detectIntent(input: TurnInput): Promise<TurnResult> {
    const start = this.agent.flows[0].flow.name ?? '';
    const state = this.sessions.get(input.session) ?? {
      page: `${start}/pages/START_PAGE`,
      params: {},
    };
    if (input.currentPage) {
      this.pageOf(input.currentPage);
      state.page = input.currentPage;
    }
    this.sessions.set(input.session, state);
    const turn = new Turn(this, this.agent, state, input);
    let matchType = 'NO_MATCH';
    if (input.event) {
      const handler = this.handlerFor(state.page, input.event);
      if (handler) {
        matchType = 'EVENT';
        await turn.handle(handler);
      }
    } else if (input.text !== undefined) {
      const text = input.text;
      const route = this.routesInScope(state.page).find(
        (r) => r.intent && this.intentMatches(r.intent, text),
      );
      const param = (this.pageOf(state.page)?.form?.parameters ?? []).find(
        (p) => p.required && !((p.displayName ?? '') in state.params),
      );
      if (route) {
        matchType = 'INTENT';
        await turn.handle(route);
      } else if (param) {
        matchType = 'PARAMETER_FILLING';
        state.params[param.displayName ?? ''] = /^\d+$/.test(text.trim())
          ? Number(text.trim())
          : text;
        turn.justCollected = param.displayName ?? '';
        const conditional = this.routesInScope(state.page).find(
          (r) =>
            !r.intent && r.condition && this.conditionHolds(r.condition, state.page, state.params),
        );
        if (conditional) await turn.handle(conditional);
        else await turn.promptNextParameter();
      } else {
        const noMatch = this.handlerFor(state.page, 'sys.no-match-default');
        if (noMatch) await turn.handle(noMatch);
      }
    }
    const flow = this.flowOf(state.page).flow;
    return {
      responseId: turn.responseId,
      messages: turn.messages,
      webhookStatuses: turn.statuses,
      webhookPayloads: turn.payloads,
      page: { name: state.page, displayName: this.displayName(state.page) },
      flow: { name: flow.name ?? '', displayName: flow.displayName ?? '' },
      params: state.params,
      matchType,
    };
  }

  /** For Turn: the pieces of the agent it needs. */
  lookup = {
    pageOf: (name: string) => this.pageOf(name),
    displayName: (name: string) => this.displayName(name),
    handlerFor: (page: string, event: string) => this.handlerFor(page, event),
    flowStart: (flowName: string) => {
      if (!this.agent.flows.some((f) => f.flow.name === flowName)) {
        throw new NotFound(`Flow '${flowName}' does not exist.`);
      }
      return `${flowName}/pages/START_PAGE`;
    },
  };
}

/** One detectIntent call: the messages, webhook outcomes and transitions it produces. */
class Turn {
  readonly responseId = randomUUID();
  readonly messages: string[] = [];
  readonly statuses: { code: number; message: string }[] = [];
  readonly payloads: JsonObject[] = [];
  justCollected = '';
  private invalidated = false;

  constructor(
    private readonly conversation: Conversation,
    private readonly agent: StandInAgent,
    private readonly state: SessionState,
    private readonly input: TurnInput,
  ) {}

  /** Runs a route's or handler's fulfillment, then its transition. */
  async handle(trigger: Route | Handler): Promise<void> {
    const target = await this.fulfill(trigger.triggerFulfillment);
    if (this.invalidated) return this.promptNextParameter();
    const next =
      target ??
      (trigger.targetPage
        ? trigger.targetPage
        : trigger.targetFlow
          ? this.conversation.lookup.flowStart(trigger.targetFlow)
          : undefined);
    if (next) await this.enter(next);
  }

  private async enter(page: string): Promise<void> {
    this.state.page = page;
    const p = this.conversation.lookup.pageOf(page);
    if (!p) return;
    const target = await this.fulfill(p.entryFulfillment);
    if (target) return this.enter(target);
    await this.promptNextParameter();
  }

  async promptNextParameter(): Promise<void> {
    const p = this.conversation.lookup.pageOf(this.state.page);
    const next = (p?.form?.parameters ?? []).find(
      (param) => param.required && !((param.displayName ?? '') in this.state.params),
    );
    if (!next) return;
    const reprompt = this.invalidated
      ? next.fillBehavior?.repromptEventHandlers?.find((h) => h.event === 'sys.invalid-parameter')
      : undefined;
    this.invalidated = false;
    await this.fulfill(reprompt?.triggerFulfillment ?? next.fillBehavior?.initialPromptFulfillment);
  }

  /** Queues the messages and calls the webhook; returns a target page the webhook asked for. */
  private async fulfill(fulfillment: Fulfillment | null | undefined): Promise<string | undefined> {
    if (!fulfillment) return undefined;
    for (const message of fulfillment.messages ?? []) {
      const variant = message.text?.text?.[0];
      if (variant) this.messages.push(variant);
    }
    if (!fulfillment.webhook) return undefined;
    return this.callWebhook(fulfillment.webhook, fulfillment.tag ?? '');
  }

  private async callWebhook(name: string, tag: string): Promise<string | undefined> {
    const configured = this.agent.webhooks.find((w) => w.webhook.name === name);
    if (!configured) {
      this.statuses.push({ code: 5, message: `Webhook '${name}' does not exist.` });
      this.payloads.push({});
      return undefined;
    }
    const { webhook, caller } = configured;
    const timeout = webhook.timeout;
    const timeoutMs = timeout
      ? Number(timeout.seconds ?? 0) * 1000 + Number(timeout.nanos ?? 0) / 1e6
      : 5000;
    const request = this.webhookRequest(tag);
    const outcome = await callWebhook(
      webhook.genericWebService?.uri ?? '',
      caller,
      timeoutMs,
      request,
    );
    this.conversation.calls.push({ tag, request, status: outcome.status });
    this.statuses.push(outcome.status);
    this.payloads.push((outcome.response?.payload as JsonObject | undefined) ?? {});
    if (!outcome.response) {
      const handler =
        (outcome.errorEvent &&
          this.conversation.lookup.handlerFor(this.state.page, outcome.errorEvent)) ||
        this.conversation.lookup.handlerFor(this.state.page, 'webhook.error');
      if (handler) await this.fulfill({ messages: handler.triggerFulfillment?.messages });
      return undefined;
    }
    return this.apply(outcome.response);
  }

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
      if (info.state === 'INVALID') {
        if (typeof info.displayName === 'string') delete this.state.params[info.displayName];
        this.invalidated = true;
      }
    }
    if (typeof response.targetPage === 'string') return response.targetPage;
    if (typeof response.targetFlow === 'string') {
      return this.conversation.lookup.flowStart(response.targetFlow);
    }
    return undefined;
  }

  /** What CX sends: the query, tag, page with its form, session, queued messages. */
  private webhookRequest(tag: string): WebhookRequest {
    const page = this.conversation.lookup.pageOf(this.state.page);
    const parameterInfo = (page?.form?.parameters ?? []).map((p) => {
      const name = p.displayName ?? '';
      const value: JsonValue | undefined = this.state.params[name];
      return {
        displayName: name,
        ...(p.required ? { required: true } : {}),
        state: value === undefined ? ('EMPTY' as const) : ('FILLED' as const),
        ...(value === undefined ? {} : { value }),
        ...(this.justCollected === name ? { justCollected: true } : {}),
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
        displayName: this.conversation.lookup.displayName(this.state.page),
        ...(parameterInfo.length ? { formInfo: { parameterInfo } } : {}),
      },
      sessionInfo: { session: this.input.session, parameters: { ...this.state.params } },
      ...(this.messages.length
        ? { messages: this.messages.map((text) => ({ text: { text: [text] } })) }
        : {}),
    };
  }
}
