import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { dialogflowServiceAgent } from '../names';
import { propagationWait, WAIT_AFTER_ENABLING } from '../propagationWait';

export interface DialogflowIdentityArgs {
  /** The project that hosts the CX agent. */
  readonly agentProject: pulumi.Input<string>;
}

/**
 * The Dialogflow service agent of the agent project: the identity whose ID token Dialogflow sends
 * to the webhook, and so the member that gets the invoker grant. The component completes after a
 * pause, as Google's Dialogflow sample waits after creating the identity: a just-created service
 * agent is not yet known everywhere IAM looks.
 */
export class DialogflowIdentity extends pulumi.ComponentResource {
  readonly email: pulumi.Output<string>;
  /** `serviceAccount:<email>`, for IAM bindings. */
  readonly member: pulumi.Output<string>;

  constructor(name: string, args: DialogflowIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:DialogflowIdentity', name, {}, opts);
    const project = gcp.organizations.getProjectOutput(
      { projectId: args.agentProject },
      { parent: this },
    );
    const identity = new gcp.projects.ServiceIdentity(
      name,
      { project: args.agentProject, service: 'dialogflow.googleapis.com' },
      { parent: this },
    );
    propagationWait(`${name}-propagation`, WAIT_AFTER_ENABLING, [identity], this);
    // The provider may report no email (a known quirk): then the documented address. A different
    // report is kept, since Google is the authority, but flagged for review.
    this.email = pulumi.all([identity.email, project.number]).apply(([email, n]) => {
      const documented = dialogflowServiceAgent(n);
      if (email && email !== documented) {
        void pulumi.log.warn(
          `Dialogflow service agent is ${email}, not the documented ${documented}; granting the reported one`,
        );
      }
      return email || documented;
    });
    // The provider's own `member` is this form of its email (projects/serviceIdentity.d.ts).
    this.member = pulumi.interpolate`serviceAccount:${this.email}`;
    this.registerOutputs({ email: this.email, member: this.member });
  }
}
