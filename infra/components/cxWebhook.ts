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
 * The CX webhook on the agent, pointing at the service: Dialogflow's service agent sends an ID token
 * (`ID_TOKEN`), and the timeout is the stage's.
 *
 * Dialogflow refuses to delete a webhook that flows or pages still use (the provider does not set
 * `DeleteWebhookRequest.force`). So in an existing agent the webhook is protected where the stage
 * protects its service (`protect` in the options): `pulumi destroy` then refuses in its preview
 * instead of failing half-way. In an agent the stack created it is `deletedWith` that agent, which
 * destroy keeps.
 *
 * An adopted webhook is imported (Pulumi's `import`), keeping its display name (`ignoreChanges`
 * copies the live value on import), then updated to these inputs, so the fulfillments that already
 * call it reach this service. The stack did not create it, so when the stack lets go of it, it
 * stays in the agent (`retainOnDelete`).
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
