import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

export interface CxWebhookArgs {
  /** The agent's full name. */
  readonly agent: pulumi.Input<string>;
  readonly stage: string;
  /** The service URL, resolving only after the invoker grant exists. */
  readonly uri: pulumi.Input<string>;
  readonly webhookTimeoutSeconds: number;
  /** For `auth: header`: the header Dialogflow adds, with its value from Secret Manager. */
  readonly header?: { name: string; secretVersion: pulumi.Input<string> };
  /** An existing webhook of the agent to adopt, by full name (the provider's import ID). */
  readonly adopt?: string;
}

/**
 * The CX webhook on the agent, pointing at the service: Dialogflow's service agent sends an ID
 * token (`ID_TOKEN`), and the timeout is the stage's. Dialogflow refuses to delete a webhook that
 * flows still use (the provider does not set `DeleteWebhookRequest.force`), so pass `protect` or
 * `deletedWith` in the options (docs/deploy-reference.md). An adopted webhook is imported, keeping
 * its display name, and stays in the agent when the stack lets go of it (docs/adopt-webhook.md).
 */
export class CxWebhook extends pulumi.ComponentResource {
  /** `projects/…/locations/…/agents/…/webhooks/…` */
  readonly webhookName: pulumi.Output<string>;

  constructor(name: string, args: CxWebhookArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:CxWebhook', name, {}, opts);
    const { header, adopt } = args;
    this.webhookName = new gcp.diagflow.CxWebhook(
      name,
      {
        parent: args.agent,
        displayName: `cx-webhook-${args.stage}`,
        timeout: `${args.webhookTimeoutSeconds}s`,
        genericWebService: {
          uri: args.uri,
          webhookType: 'STANDARD',
          serviceAgentAuth: 'ID_TOKEN',
          secretVersionsForRequestHeaders: header && [
            { key: header.name, secretVersion: header.secretVersion },
          ],
        },
      },
      {
        parent: this,
        deletedWith: opts?.deletedWith,
        ...(adopt && { import: adopt, ignoreChanges: ['displayName'], retainOnDelete: true }),
      },
    ).id;
    this.registerOutputs({ webhookName: this.webhookName });
  }
}
