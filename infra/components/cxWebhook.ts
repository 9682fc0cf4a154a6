import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

export interface CxWebhookArgs {
  readonly agentProject: string;
  readonly agentLocation: string;
  /** An existing agent's ID; when absent an agent is created. */
  readonly agentId?: string;
  readonly stage: string;
  /** The service URL, resolving only after the invoker grant exists. */
  readonly uri: pulumi.Input<string>;
  readonly webhookTimeoutSeconds: number;
  /** For `auth: header`: the header Dialogflow adds, with its value from Secret Manager. */
  readonly header?: { name: string; secretVersion: pulumi.Input<string> };
  readonly provider: gcp.Provider;
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The CX webhook resource on the agent, pointing at the service: Dialogflow's service agent sends an
 * ID token (`ID_TOKEN`), and the timeout is the stage's. Creates a blank agent for dev stacks.
 */
export class CxWebhook extends pulumi.ComponentResource {
  /** `projects/…/locations/…/agents/…/webhooks/…` */
  readonly webhookName: pulumi.Output<string>;
  readonly agentName: pulumi.Output<string>;

  constructor(name: string, args: CxWebhookArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:CxWebhook', name, {}, opts);
    const child = { parent: this, provider: args.provider };
    this.agentName = args.agentId
      ? pulumi.output(
          `projects/${args.agentProject}/locations/${args.agentLocation}/agents/${args.agentId}`,
        )
      : new gcp.diagflow.CxAgent(
          `${name}-agent`,
          {
            project: args.agentProject,
            location: args.agentLocation,
            displayName: `cx-webhook-kit ${args.stage}`,
            defaultLanguageCode: 'en',
            timeZone: 'Etc/UTC',
          },
          { ...child, dependsOn: args.dependsOn },
        ).id;

    const webhook = new gcp.diagflow.CxWebhook(
      name,
      {
        parent: this.agentName,
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
      { ...child, dependsOn: args.dependsOn },
    );
    this.webhookName = webhook.id;
    this.registerOutputs({ webhookName: this.webhookName, agentName: this.agentName });
  }
}
