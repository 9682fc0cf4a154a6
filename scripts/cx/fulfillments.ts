// Every fulfillment of an agent that calls a webhook, wherever CX allows one (flow.proto, page.proto,
// transition_route_group.proto, v3), and the verdict on each against the tags the service serves.
import type {
  AgentModel,
  EventHandler,
  Fulfillment,
  TransitionRoute,
  TransitionRouteGroup,
} from './agentModel';

export type Place =
  | 'flow route'
  | 'flow event handler'
  | 'flow knowledge connector'
  | 'page entry fulfillment'
  | 'page route'
  | 'page event handler'
  | 'page knowledge connector'
  | 'form parameter initial prompt'
  | 'form parameter reprompt handler'
  | 'flow route group'
  | 'agent route group';

export interface WebhookCall {
  readonly place: Place;
  /** Where a person finds it in the console, e.g. `flow "Orders" › page "Status" › entry`. */
  readonly location: string;
  /** The webhook reference as the source writes it. */
  readonly webhook: string;
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
export function webhookCalls(agent: AgentModel): WebhookCall[] {
  const calls: WebhookCall[] = [];
  const add = (place: Place, location: string, fulfillment: Fulfillment | null | undefined) => {
    if (!fulfillment?.webhook) return;
    calls.push({
      place,
      location,
      webhook: fulfillment.webhook,
      tag: fulfillment.tag?.trim() ?? '',
    });
  };
  const routes = (
    place: Place,
    at: string,
    list: readonly TransitionRoute[] | null | undefined,
  ) => {
    for (const route of list ?? []) {
      add(place, `${at} › ${routeLabel(route, agent.intents)}`, route.triggerFulfillment);
    }
  };
  const handlers = (place: Place, at: string, list: readonly EventHandler[] | null | undefined) => {
    for (const handler of list ?? []) {
      add(place, `${at} › event ${handler.event || '(none)'}`, handler.triggerFulfillment);
    }
  };
  const groups = (place: Place, at: string, list: readonly TransitionRouteGroup[]) => {
    for (const group of list) {
      routes(
        place,
        `${at}route group ${quoted(group.displayName, group.name ?? '?')}`,
        group.transitionRoutes,
      );
    }
  };

  for (const { flow, pages, routeGroups } of agent.flows) {
    const at = `flow ${quoted(flow.displayName, flow.name ?? '?')}`;
    routes('flow route', at, flow.transitionRoutes);
    handlers('flow event handler', at, flow.eventHandlers);
    add(
      'flow knowledge connector',
      `${at} › knowledge connector`,
      flow.knowledgeConnectorSettings?.triggerFulfillment,
    );
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
      routes('page route', pageAt, page.transitionRoutes);
      handlers('page event handler', pageAt, page.eventHandlers);
      add(
        'page knowledge connector',
        `${pageAt} › knowledge connector`,
        page.knowledgeConnectorSettings?.triggerFulfillment,
      );
    }
    groups('flow route group', `${at} › `, routeGroups);
  }
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
  const names = new Map(agent.webhooks.map((w) => [w.name, w.displayName]));
  return webhookCalls(agent).map((call) => {
    const verdict: Verdict =
      call.webhook !== ourWebhook
        ? 'other-webhook'
        : call.tag === ''
          ? 'missing-tag'
          : served.has(call.tag)
            ? 'served'
            : 'unserved';
    return { ...call, verdict, webhookDisplayName: names.get(call.webhook) ?? call.webhook };
  });
}
