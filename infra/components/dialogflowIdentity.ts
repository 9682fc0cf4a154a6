import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { propagationWait, WAIT_AFTER_ENABLING } from '../propagationWait';

export interface DialogflowIdentityArgs {
  /** The project that hosts the CX agent (pass its provider, and the Dialogflow API, in the options). */
  readonly agentProject: pulumi.Input<string>;
}

/** The documented address of the Dialogflow service agent of a project. */
export function documentedServiceAgent(projectNumber: string): string {
  return `service-${projectNumber}@gcp-sa-dialogflow.iam.gserviceaccount.com`;
}

/**
 * Chooses the caller's email: the one the provider reports, or the documented form when the
 * provider reports none (a known provider quirk). A report that disagrees with the documented form
 * is kept, since Google is the authority, but flagged for review.
 */
export function resolveServiceAgentEmail(
  reported: string | undefined,
  projectNumber: string,
): string {
  const documented = documentedServiceAgent(projectNumber);
  if (!reported) return documented;
  if (reported !== documented) {
    void pulumi.log.warn(
      `Dialogflow service agent is ${reported}, not the documented ${documented}; granting the reported one`,
    );
  }
  return reported;
}

/**
 * The Dialogflow service agent of the agent project: the identity whose ID token Dialogflow sends
 * to the webhook, and so the member that gets the invoker grant. Grants to it depend on the
 * component, which completes after a pause, as
 * Google's Dialogflow sample waits after creating the identity: a just-created service agent is not
 * yet known everywhere IAM looks.
 */
export class DialogflowIdentity extends pulumi.ComponentResource {
  readonly email: pulumi.Output<string>;
  /** `serviceAccount:<email>`, for IAM bindings. */
  readonly member: pulumi.Output<string>;
  readonly projectNumber: pulumi.Output<string>;

  constructor(name: string, args: DialogflowIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:DialogflowIdentity', name, {}, opts);
    const project = gcp.organizations.getProjectOutput(
      { projectId: args.agentProject },
      { parent: this },
    );
    this.projectNumber = project.number;
    const identity = new gcp.projects.ServiceIdentity(
      name,
      { project: args.agentProject, service: 'dialogflow.googleapis.com' },
      { parent: this },
    );
    propagationWait(`${name}-propagation`, WAIT_AFTER_ENABLING, [identity], this);
    this.email = pulumi
      .all([identity.email, project.number])
      .apply(([email, number]) => resolveServiceAgentEmail(email, number));
    // The provider's member when it has one; built from the resolved email when it does not.
    this.member = pulumi
      .all([identity.member, this.email])
      .apply(([member, email]) => (member ? member : `serviceAccount:${email}`));
    this.registerOutputs({ email: this.email, member: this.member });
  }
}
