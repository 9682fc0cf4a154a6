// Every fulfillment of an agent that calls a webhook, wherever CX allows one (flow.proto,
// page.proto, transition_route_group.proto, v3), and the verdict on each against the tags the
// service serves.
import type { protos } from '@google-cloud/dialogflow-cx';
import { SMOKE_TAG } from '../../service/smoke';
import {
  resourceKey,
  sameResource,
  type AgentModel,
  type Flow,
  type Page,
  type TransitionRouteGroup,
} from './agentModel';

type Fulfillment = protos.google.cloud.dialogflow.cx.v3.IFulfillment;
type TransitionRoute = protos.google.cloud.dialogflow.cx.v3.ITransitionRoute;
type EventHandler = protos.google.cloud.dialogflow.cx.v3.IEventHandler;

interface WebhookCall {
  /** The kind of fulfillment: `flow route`, `page entry fulfillment`, `agent route group`, … */
  readonly place: string;
  /** Where a person finds it in the console, e.g. `flow "Orders" › page "Status" › entry`. */
  readonly location: string;
  /** The webhook reference as the source writes it. */
  readonly webhook: string;
  /** The flow it belongs to as the source names it; null for agent-level route groups. */
  readonly flow: string | null;
  /** The tag, or '' when the fulfillment names none. */
  readonly tag: string;
}

const quoted = (name: string | null | undefined, fallback: string) => `"${name || fallback}"`;

function routeLabel(route: TransitionRoute, intents: ReadonlyMap<string, string>): string {
  const parts: string[] = [];
  if (route.intent) parts.push(`intent ${quoted(intents.get(route.intent), route.intent)}`);
  if (route.condition) parts.push(`condition ${route.condition}`);
  return `route ${parts.join(' and ') || '(no trigger)'}`;
}

/** Walks the agent and returns each fulfillment that names a webhook, in console order. */
function fulfillmentCalls(agent: AgentModel): WebhookCall[] {
  const calls: WebhookCall[] = [];
  let inFlow: string | null = null;
  const add = (place: string, location: string, fulfillment: Fulfillment | null | undefined) => {
    if (!fulfillment?.webhook) return;
    const { webhook, tag } = fulfillment;
    calls.push({ place, location, webhook, flow: inFlow, tag: tag?.trim() ?? '' });
  };
  const routes = (place: string, at: string, list?: readonly TransitionRoute[] | null) =>
    list?.forEach((r) =>
      add(place, `${at} › ${routeLabel(r, agent.intents)}`, r.triggerFulfillment),
    );
  const handlers = (place: string, at: string, list?: readonly EventHandler[] | null) =>
    list?.forEach((h) => add(place, `${at} › event ${h.event || '(none)'}`, h.triggerFulfillment));
  const groups = (place: string, at: string, list: readonly TransitionRouteGroup[]) =>
    list.forEach((g) =>
      routes(place, `${at}route group ${quoted(g.displayName, g.name ?? '?')}`, g.transitionRoutes),
    );
  // What flows and pages both have.
  const flowOrPage = (kind: 'flow' | 'page', at: string, x: Flow | Page) => {
    routes(`${kind} route`, at, x.transitionRoutes);
    handlers(`${kind} event handler`, at, x.eventHandlers);
    const connector = x.knowledgeConnectorSettings?.triggerFulfillment;
    add(`${kind} knowledge connector`, `${at} › knowledge connector`, connector);
  };

  for (const { flow, pages, routeGroups } of agent.flows) {
    inFlow = flow.name || flow.displayName || null;
    const at = `flow ${quoted(flow.displayName, flow.name ?? '?')}`;
    flowOrPage('flow', at, flow);
    for (const page of pages) {
      const pageAt = `${at} › page ${quoted(page.displayName, page.name ?? '?')}`;
      add('page entry fulfillment', `${pageAt} › entry fulfillment`, page.entryFulfillment);
      for (const parameter of page.form?.parameters ?? []) {
        const paramAt = `${pageAt} › form parameter ${quoted(parameter.displayName, '?')}`;
        add(
          'form parameter initial prompt',
          `${paramAt} › initial prompt`,
          parameter.fillBehavior?.initialPromptFulfillment,
        );
        handlers(
          'form parameter reprompt handler',
          `${paramAt} › reprompt`,
          parameter.fillBehavior?.repromptEventHandlers,
        );
      }
      flowOrPage('page', pageAt, page);
    }
    groups('flow route group', `${at} › `, routeGroups);
  }
  inFlow = null;
  groups('agent route group', 'agent › ', agent.routeGroups);
  return calls;
}

export type Verdict = 'served' | 'unserved' | 'missing-tag' | 'other-webhook';

export interface CheckedCall extends WebhookCall {
  readonly verdict: Verdict;
  /** The webhook's display name, when the source lists it. */
  readonly webhookDisplayName: string;
}

/**
 * Our webhook's calls must name a tag the service serves: a fallback handler would answer an
 * unknown tag, so a typo would otherwise pass unnoticed. Other webhooks are someone else's.
 */
export function checkCalls(
  agent: AgentModel,
  ourWebhook: string,
  served: ReadonlySet<string>,
): CheckedCall[] {
  const names = new Map(agent.webhooks.map((w) => [resourceKey(w.name), w.displayName]));
  return fulfillmentCalls(agent).map((call) => {
    const verdict: Verdict = !sameResource(call.webhook, ourWebhook)
      ? 'other-webhook'
      : call.tag === ''
        ? 'missing-tag'
        : served.has(call.tag)
          ? 'served'
          : 'unserved';
    return {
      ...call,
      verdict,
      webhookDisplayName: names.get(resourceKey(call.webhook)) ?? call.webhook,
    };
  });
}

/**
 * What is wrong with how the agent calls our webhook, in words; empty when nothing is. Beyond
 * unserved and missing tags: a deployed stack always has at least its smoke flow's call, so an
 * agent with none is not wired to this webhook at all (or the check compares the wrong one).
 */
export function wiringProblems(
  agent: AgentModel,
  calls: readonly CheckedCall[],
  smokeFlow?: string,
): string[] {
  const problems: string[] = [];
  const ours = calls.filter((c) => c.verdict !== 'other-webhook');
  if (ours.some((c) => c.verdict === 'unserved' || c.verdict === 'missing-tag')) {
    problems.push(
      'a tag no handler serves reaches the fallback (or a 404) instead of the intended handler; ' +
        'fix the tag in the agent, or add a handler for it in service/handlers',
    );
  }
  if (ours.length === 0) {
    problems.push(
      'no fulfillment calls this webhook: the agent is not wired to it, or the check names another ' +
        'webhook (see --webhook)',
    );
  }
  if (smokeFlow !== undefined) {
    const flow = agent.flows.find((f) => f.flow.name && sameResource(f.flow.name, smokeFlow));
    const called = ours.some(
      (c) => c.verdict === 'served' && c.tag === SMOKE_TAG && sameResource(c.flow ?? '', smokeFlow),
    );
    if (!flow) {
      problems.push(`the smoke flow ${smokeFlow} is not in the agent: run pulumi up to restore it`);
    } else if (!called) {
      problems.push(
        `the smoke flow "${flow.flow.displayName ?? smokeFlow}" does not call this webhook with ` +
          `the tag ${SMOKE_TAG}: run pulumi up to restore its event handler`,
      );
    }
  }
  return problems;
}
