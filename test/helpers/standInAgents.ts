// Scripted agents for the Dialogflow stand-in: a smoke flow shaped like the one the stack creates (a
// flow-level event handler calling the webhook with the reserved tag), and an agent that calls the
// webhook from every kind of place, for agent:check.
import { SMOKE_EVENT, SMOKE_TAG } from '../../service/smoke';
import type { CallerAuth } from './webhookCall';
import type { Page, StandInAgent, StandInFlow, StandInWebhook } from './standInConversation';

export const AGENT =
  'projects/cx-kit-test/locations/global/agents/4e0f1a52-7c39-4c6e-9d1e-000000000001';
export const WEBHOOK = `${AGENT}/webhooks/7b4b6a4e-0000-4000-8000-000000000001`;
export const OTHER_WEBHOOK = `${AGENT}/webhooks/7b4b6a4e-0000-4000-8000-000000000002`;
export const START_FLOW = `${AGENT}/flows/00000000-0000-0000-0000-000000000000`;
export const SMOKE_FLOW = `${AGENT}/flows/5a1e0f0e-0000-4000-8000-00000000000f`;
export const ORDER_PAGE = `${START_FLOW}/pages/0a0a0a0a-0000-4000-8000-000000000001`;
export const ANSWER_PAGE = `${START_FLOW}/pages/0a0a0a0a-0000-4000-8000-000000000002`;
export const GREET_INTENT = `${AGENT}/intents/00000000-0000-0000-0000-000000000000`;
export const ORDER_INTENT = `${AGENT}/intents/11111111-0000-4000-8000-000000000001`;

export function webhook(
  uri: string,
  caller: CallerAuth,
  options: { name?: string; displayName?: string; timeoutMs?: number } = {},
): StandInWebhook {
  const timeoutMs = options.timeoutMs ?? 5000;
  return {
    webhook: {
      name: options.name ?? WEBHOOK,
      displayName: options.displayName ?? 'cx-webhook-test',
      genericWebService: { uri },
      timeout: { seconds: Math.floor(timeoutMs / 1000), nanos: (timeoutMs % 1000) * 1e6 },
    },
    caller,
  };
}

/** The flow the stack owns for `npm run smoke`, as infra creates it. */
export function smokeFlow(
  options: { withHandler?: boolean; webhookName?: string } = {},
): StandInFlow {
  return {
    flow: {
      name: SMOKE_FLOW,
      displayName: 'cx-webhook-kit smoke',
      eventHandlers:
        options.withHandler === false
          ? []
          : [
              {
                event: SMOKE_EVENT,
                triggerFulfillment: { webhook: options.webhookName ?? WEBHOOK, tag: SMOKE_TAG },
              },
            ],
    },
  };
}

export const startFlow = (pages: Page[] = []): StandInFlow => ({
  flow: { name: START_FLOW, displayName: 'Default Start Flow' },
  pages,
});

export function smokeAgent(
  webhooks: StandInWebhook[],
  flow: StandInFlow = smokeFlow(),
): StandInAgent {
  return { name: AGENT, flows: [startFlow(), flow], webhooks };
}

/**
 * An agent with a call of the webhook in each kind of place agent:check looks at, on the example
 * handlers' tags. It is a fixture for the check, not the agent the stack deploys: that one is read
 * from the program's plan (standInFromPlan.ts).
 */
export function placesAgent(hook: StandInWebhook): StandInAgent {
  return {
    name: AGENT,
    webhooks: [hook],
    intents: [
      {
        name: GREET_INTENT,
        displayName: 'Default Welcome Intent',
        trainingPhrases: [{ parts: [{ text: 'hello' }] }, { parts: [{ text: 'hi' }] }],
      },
      {
        name: ORDER_INTENT,
        displayName: 'order.status',
        trainingPhrases: [{ parts: [{ text: 'where is my order' }] }],
      },
    ],
    flows: [
      {
        flow: {
          name: START_FLOW,
          displayName: 'Default Start Flow',
          transitionRoutes: [
            { intent: GREET_INTENT, triggerFulfillment: { webhook: WEBHOOK, tag: 'greeting' } },
            { intent: ORDER_INTENT, targetPage: ORDER_PAGE },
          ],
          eventHandlers: [
            {
              event: 'sys.no-match-default',
              triggerFulfillment: { messages: [{ text: { text: ["Sorry, I didn't get that."] } }] },
            },
            {
              event: 'webhook.error',
              triggerFulfillment: {
                messages: [{ text: { text: ['Something went wrong on our side.'] } }],
              },
            },
          ],
        },
        pages: [
          {
            name: ORDER_PAGE,
            displayName: 'Order status',
            form: {
              parameters: [
                {
                  displayName: 'order_number',
                  required: true,
                  entityType: 'projects/-/locations/-/agents/-/entityTypes/sys.any',
                  fillBehavior: {
                    initialPromptFulfillment: {
                      messages: [{ text: { text: ['What is your order number?'] } }],
                    },
                  },
                },
              ],
            },
            transitionRoutes: [
              {
                condition: '$page.params.status = "FINAL"',
                triggerFulfillment: { webhook: WEBHOOK, tag: 'validate-order-number' },
                targetPage: ANSWER_PAGE,
              },
            ],
          },
          {
            name: ANSWER_PAGE,
            displayName: 'Order answer',
            entryFulfillment: { webhook: WEBHOOK, tag: 'order-status' },
          },
        ],
      },
    ],
  };
}
