import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { ORDER_PARAM } from '../../service/handlers/validateOrderNumber';
import type { AgentCatalogue } from './agentTestCases';

// The ID of the start flow and welcome intent every agent is created with; @pulumi/gcp's CxFlow
// (`isDefaultStartFlow`) and CxIntent (`isDefaultWelcomeIntent`) adopt them by it (magic-modules
// templates/terraform/pre_create/dialogflowcx_set_location_skip_default_obj.go.tmpl).
const DEFAULT_ID = '00000000-0000-0000-0000-000000000000';

/** The example handlers' tags this wiring names (service/handlers/index.ts). */
export const DEMO_TAGS = {
  greeting: 'greeting',
  validate: 'validate-order-number',
  orderStatus: 'order-status',
} as const;

/** Dialogflow's system entity for whole numbers, as a resource name. */
const INTEGER_ENTITY = 'projects/-/locations/-/agents/-/entityTypes/sys.number-integer';

const ORDER_INTENT = 'cx-webhook-kit.order-status';
const ORDER_PAGE = 'Order status';

export interface DemoAgentWiringArgs {
  /** The agent's full name: an agent this stack created, never an existing one. */
  readonly agent: pulumi.Input<string>;
  /** The stack's CX webhook, full name. */
  readonly webhook: pulumi.Input<string>;
}

/**
 * Wires the example handlers into an agent the stack created, so a person can talk to it right
 * after `pulumi up`: the default start flow's welcome route answers through `greeting`, and an
 * "order status" intent leads to a page whose form collects `order_number`. A page route checks the
 * number through `validate-order-number` on the turn it is filled, and another answers through
 * `order-status` once the form is complete. It takes over the default start flow's routes, so it is
 * for created agents only.
 */
export class DemoAgentWiring extends pulumi.ComponentResource {
  /** What it wires, by display name, for the test cases in agent/test-cases/. */
  readonly catalogue: AgentCatalogue;

  constructor(name: string, args: DemoAgentWiringArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:DemoAgentWiring', name, {}, opts);
    const child = { parent: this, deletedWith: opts?.deletedWith };
    const startFlow = pulumi.interpolate`${args.agent}/flows/${DEFAULT_ID}`;
    const startPage = pulumi.interpolate`${startFlow}/pages/START_PAGE`;
    const welcomeIntent = pulumi.interpolate`${args.agent}/intents/${DEFAULT_ID}`;

    const orderIntent = new gcp.diagflow.CxIntent(
      `${name}-order-status`,
      {
        parent: args.agent,
        displayName: ORDER_INTENT,
        description: 'Asks about an order; leads to the Order status page.',
        trainingPhrases: [
          'Where is my order?',
          'What is the status of my order?',
          'Track my order',
          'Check my order status',
          'Has my order shipped?',
        ].map((text) => ({ parts: [{ text }], repeatCount: 1 })),
      },
      child,
    );

    const orderPage = new gcp.diagflow.CxPage(
      `${name}-order-status`,
      {
        parent: startFlow,
        displayName: ORDER_PAGE,
        form: {
          parameters: [
            {
              displayName: ORDER_PARAM,
              entityType: INTEGER_ENTITY,
              required: true,
              // No webhook here: CX calls a parameter's prompt fulfillment when it asks for the
              // value, before the user has given one.
              fillBehavior: {
                initialPromptFulfillment: {
                  messages: [{ text: { texts: ['What is your order number?'] } }],
                },
              },
            },
          ],
        },
        // Validation runs on the turn the value is filled (`$page.params.<id>.status = "UPDATED"`;
        // "the webhook you set on the parameter is called before the parameter is collected",
        // groups.google.com/g/dialogflow-cx-edition-users/c/Eh4nAYuAuUI). With no target the page
        // stays, and a value the handler marks INVALID is cleared and prompted again (page.proto,
        // Form.Parameter.FillBehavior). A complete form is `$page.params.status = "FINAL"`
        // (cloud.google.com/dialogflow/cx/docs/reference/condition); that route answers.
        transitionRoutes: [
          {
            condition: `$page.params.${ORDER_PARAM}.status = "UPDATED"`,
            triggerFulfillment: { webhook: args.webhook, tag: DEMO_TAGS.validate },
          },
          {
            condition: '$page.params.status = "FINAL"',
            triggerFulfillment: { webhook: args.webhook, tag: DEMO_TAGS.orderStatus },
            targetPage: startPage,
          },
        ],
      },
      child,
    );

    const defaultStartFlow = new gcp.diagflow.CxFlow(
      `${name}-start`,
      {
        parent: args.agent,
        isDefaultStartFlow: true,
        displayName: 'Default Start Flow',
        transitionRoutes: [
          {
            intent: welcomeIntent,
            triggerFulfillment: { webhook: args.webhook, tag: DEMO_TAGS.greeting },
          },
          {
            intent: orderIntent.id,
            // A new question starts a new form: forget the last order number first.
            triggerFulfillment: {
              setParameterActions: [{ parameter: ORDER_PARAM, value: 'null' }],
            },
            targetPage: orderPage.id,
          },
        ],
      },
      child,
    );
    this.catalogue = {
      intents: { 'Default Welcome Intent': welcomeIntent, [ORDER_INTENT]: orderIntent.id },
      pages: { 'Start Page': startPage, [ORDER_PAGE]: orderPage.id },
      flows: { 'Default Start Flow': defaultStartFlow.id },
    };
    this.registerOutputs({ startFlow: defaultStartFlow.id, orderPage: orderPage.id });
  }
}
