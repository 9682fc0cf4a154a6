import * as pulumi from '@pulumi/pulumi';
import { accountWithProjectRoles } from '../serviceAccount';

export interface RuntimeAccountArgs {
  readonly project: string;
  /** For the display name. */
  readonly stage: string;
  /** Project roles the handlers need (the stack's `runtimeRoles`). */
  readonly projectRoles: readonly string[];
}

/**
 * The identity the webhook runs as, its account ID the component's name. It starts with no roles
 * (unlike the default compute account, which holds Editor); each grant it needs is made on the one
 * resource where it is used, plus exactly the project roles the stack lists for its handlers.
 */
export class RuntimeAccount extends pulumi.ComponentResource {
  readonly email: pulumi.Output<string>;
  readonly member: pulumi.Output<string>;

  constructor(name: string, args: RuntimeAccountArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:RuntimeAccount', name, {}, opts);
    const account = accountWithProjectRoles(
      name,
      {
        project: args.project,
        displayName: `CX webhook runtime (${args.stage})`,
        description: 'Runs the Dialogflow CX webhook; holds only the roles its stack lists.',
        roles: args.projectRoles,
      },
      this,
    );
    this.email = account.email;
    this.member = account.member;
    this.registerOutputs({ email: this.email, roles: args.projectRoles });
  }
}
