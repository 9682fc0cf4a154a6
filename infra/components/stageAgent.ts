import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

export interface StageAgentArgs {
  readonly project: string;
  readonly location: string;
  readonly stage: string;
  /** An existing agent's ID; without one, an agent is created for the stack. */
  readonly agentId?: string;
}

/** The full resource name of an existing agent. */
export const existingAgentName = (project: string, location: string, agentId: string) =>
  `projects/${project}/locations/${location}/agents/${agentId}`;

/**
 * The stage's CX agent: an existing one, referenced by name and never modified here, or one created
 * for the stack and kept on destroy (`retainOnDelete`): people build flows on it in the console.
 * Declare what goes inside a created agent `deletedWith` it (`created`), so the kept agent stays
 * whole (docs/deploy-reference.md). CX agents have no deletion flag: pass `protect` in the options.
 */
export class StageAgent extends pulumi.ComponentResource {
  /** `projects/…/locations/…/agents/…` */
  readonly name: pulumi.Output<string>;
  /** The agent this stack created, if it created one. */
  readonly created?: gcp.diagflow.CxAgent;

  constructor(name: string, args: StageAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:StageAgent', name, {}, opts);
    if (args.agentId) {
      this.name = pulumi.output(existingAgentName(args.project, args.location, args.agentId));
    } else {
      this.created = new gcp.diagflow.CxAgent(
        name,
        {
          project: args.project,
          location: args.location,
          displayName: `cx-webhook-kit ${args.stage}`,
          defaultLanguageCode: 'en',
          timeZone: 'Etc/UTC',
        },
        { parent: this, retainOnDelete: true },
      );
      this.name = this.created.id;
    }
    this.registerOutputs({ name: this.name });
  }
}
