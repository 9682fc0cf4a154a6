// Reads the webhook-relevant parts of a live agent through the official v3 clients: every flow with
// its pages and route groups, the agent-level route groups, the webhooks and the intents' names.
import type { AgentModel, FlowModel } from './agentModel';
import { CALL_OPTIONS, type DialogflowClientOptions } from './connection';
import { v3Clients } from './clients';

export async function loadAgentFromApi(
  agent: string,
  options: DialogflowClientOptions,
): Promise<AgentModel> {
  const v3 = v3Clients();
  const flowsClient = new v3.FlowsClient(options);
  const pagesClient = new v3.PagesClient(options);
  const groupsClient = new v3.TransitionRouteGroupsClient(options);
  const webhooksClient = new v3.WebhooksClient(options);
  const intentsClient = new v3.IntentsClient(options);
  try {
    // The list calls page through results by themselves (the clients' autoPaginate default).
    const [[flows], [agentGroups], [webhooks], [intents]] = await Promise.all([
      flowsClient.listFlows({ parent: agent }, CALL_OPTIONS),
      groupsClient.listTransitionRouteGroups({ parent: agent }, CALL_OPTIONS),
      webhooksClient.listWebhooks({ parent: agent }, CALL_OPTIONS),
      intentsClient.listIntents({ parent: agent, intentView: 'INTENT_VIEW_PARTIAL' }, CALL_OPTIONS),
    ]);
    const flowModels: FlowModel[] = await Promise.all(
      flows.map(async (flow) => {
        const [[pages], [routeGroups]] = await Promise.all([
          pagesClient.listPages({ parent: flow.name ?? '' }, CALL_OPTIONS),
          groupsClient.listTransitionRouteGroups({ parent: flow.name ?? '' }, CALL_OPTIONS),
        ]);
        return { flow, pages, routeGroups };
      }),
    );
    return {
      source: agent,
      flows: flowModels,
      routeGroups: agentGroups,
      webhooks: webhooks.map((w) => ({ name: w.name ?? '', displayName: w.displayName ?? '' })),
      intents: new Map(intents.map((i) => [i.name ?? '', i.displayName ?? ''])),
    };
  } finally {
    await Promise.all(
      [flowsClient, pagesClient, groupsClient, webhooksClient, intentsClient].map((c) => c.close()),
    );
  }
}
