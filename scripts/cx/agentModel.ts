// The parts of a CX agent that can call a webhook, in the v3 field names. The API (through the
// official clients) and an exported agent package (the console's JSON export and its Git
// integration) both use these names; they differ in how they refer to things: the API by resource
// name, the export by display name.

export interface Fulfillment {
  webhook?: string | null;
  tag?: string | null;
}

export interface TransitionRoute {
  intent?: string | null;
  condition?: string | null;
  triggerFulfillment?: Fulfillment | null;
}

export interface EventHandler {
  event?: string | null;
  triggerFulfillment?: Fulfillment | null;
}

export interface KnowledgeConnectorSettings {
  triggerFulfillment?: Fulfillment | null;
}

export interface FormParameter {
  displayName?: string | null;
  fillBehavior?: {
    initialPromptFulfillment?: Fulfillment | null;
    repromptEventHandlers?: EventHandler[] | null;
  } | null;
}

export interface Page {
  name?: string | null;
  displayName?: string | null;
  entryFulfillment?: Fulfillment | null;
  form?: { parameters?: FormParameter[] | null } | null;
  transitionRoutes?: TransitionRoute[] | null;
  eventHandlers?: EventHandler[] | null;
  knowledgeConnectorSettings?: KnowledgeConnectorSettings | null;
}

export interface Flow {
  name?: string | null;
  displayName?: string | null;
  transitionRoutes?: TransitionRoute[] | null;
  eventHandlers?: EventHandler[] | null;
  knowledgeConnectorSettings?: KnowledgeConnectorSettings | null;
}

export interface TransitionRouteGroup {
  name?: string | null;
  displayName?: string | null;
  transitionRoutes?: TransitionRoute[] | null;
}

export interface FlowModel {
  readonly flow: Flow;
  readonly pages: readonly Page[];
  /** The flow's own route groups. */
  readonly routeGroups: readonly TransitionRouteGroup[];
}

export interface AgentModel {
  /** The agent's resource name, or the directory of an exported package. */
  readonly source: string;
  readonly flows: readonly FlowModel[];
  /** Route groups defined at agent level, shared by every flow. */
  readonly routeGroups: readonly TransitionRouteGroup[];
  /** `name` is what fulfillments use to refer to a webhook in this source. */
  readonly webhooks: readonly { readonly name: string; readonly displayName: string }[];
  /** Intent reference → display name, for readable route labels. */
  readonly intents: ReadonlyMap<string, string>;
}

/**
 * `<agent id>/<collection>/<id>` of a resource name: the same resource whether its project is
 * written as the project ID or its number (the API and the stack outputs may differ there). A
 * reference that is no resource name (an exported agent's display name) is its own key.
 */
export function resourceKey(name: string): string {
  const match = /(?:^|\/)agents\/([^/]+)\/([a-zA-Z]+)\/([^/]+)$/.exec(name);
  return match ? `${match[1]}/${match[2]}/${match[3]}` : name;
}

export const sameResource = (a: string, b: string) => resourceKey(a) === resourceKey(b);
