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
  /**
   * The full name of an existing webhook of the agent to adopt instead of creating one
   * (`projects/…/locations/…/agents/…/webhooks/…`, the provider's import ID).
   */
  readonly adopt?: string;
}

/**
 * The CX webhook resource on the agent, pointing at the service: Dialogflow's service agent sends an
 * ID token (`ID_TOKEN`), and the timeout is the stage's.
 *
 * Dialogflow refuses to delete a webhook that flows or pages still use (`DeleteWebhookRequest.force`
 * is false, and the provider does not set it). So in an existing agent the webhook is protected
 * where the stage protects its service (`protect` in the options): the preview `pulumi destroy`
 * runs first then refuses before anything is deleted, instead of destroy failing half-way. In an
 * agent the stack created it is `deletedWith` that agent (options), which destroy keeps.
 *
 * An adopted webhook (`adopt`) is imported with Pulumi's `import` option, keeping its display name
 * (`ignoreChanges`, which copies the live value on import), then updated to these inputs like any
 * other, so the fulfillments that already call it reach this service. The stack did not create
 * it, so when the stack lets go of it (destroy, or another ID) it stays in the agent
 * (`retainOnDelete`).
 */
export class CxWebhook extends pulumi.ComponentResource {
  /** `projects/…/locations/…/agents/…/webhooks/…` */
  readonly webhookName: pulumi.Output<string>;

  constructor(name: string, args: CxWebhookArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:CxWebhook', name, {}, opts);
    const webhook = new gcp.diagflow.CxWebhook(
      name,
      {
        parent: args.agent,
        displayName: `cx-webhook-${args.stage}`,
        timeout: `${args.webhookTimeoutSeconds}s`,
        genericWebService: {
          uri: args.uri,
          webhookType: 'STANDARD',
          serviceAgentAuth: 'ID_TOKEN',
          secretVersionsForRequestHeaders: args.header
            ? [{ key: args.header.name, secretVersion: args.header.secretVersion }]
            : undefined,
        },
      },
      {
        parent: this,
        deletedWith: opts?.deletedWith,
        ...(args.adopt && {
          import: args.adopt,
          ignoreChanges: ['displayName'],
          retainOnDelete: true,
        }),
      },
    );
    this.webhookName = webhook.id;
    this.registerOutputs({ webhookName: this.webhookName });
  }
}
