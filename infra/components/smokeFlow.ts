import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { SMOKE_EVENT, SMOKE_TAG } from '../../service/smoke';

export interface SmokeFlowArgs {
  /** The agent's full name. */
  readonly agent: pulumi.Input<string>;
  /** The stack's CX webhook, full name. */
  readonly webhook: pulumi.Input<string>;
  readonly stage: string;
}

/**
 * A flow the stack owns in its agent, for `npm run smoke`: a handler for the event
 * `cx-webhook-kit-smoke` calls the webhook with the reserved tag, which the service answers with
 * its smoke marker. Nothing transitions into it; the handler has no target, so Dialogflow reports a
 * failed call (`queryResult.webhookStatuses`) rather than silently moving on.
 */
export class SmokeFlow extends pulumi.ComponentResource {
  /** `projects/…/locations/…/agents/…/flows/…` */
  readonly flowName: pulumi.Output<string>;

  constructor(name: string, args: SmokeFlowArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:SmokeFlow', name, {}, opts);
    this.flowName = new gcp.diagflow.CxFlow(
      name,
      {
        parent: args.agent,
        displayName: `cx-webhook-kit smoke (${args.stage})`,
        description:
          'Owned by the cx-webhook-kit stack: proves the webhook answers Dialogflow. Do not route into it.',
        eventHandlers: [
          { event: SMOKE_EVENT, triggerFulfillment: { webhook: args.webhook, tag: SMOKE_TAG } },
        ],
      },
      { parent: this, deletedWith: opts?.deletedWith },
    ).id;
    this.registerOutputs({ flowName: this.flowName });
  }
}
