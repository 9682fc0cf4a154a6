import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { accountId } from '../names';

export interface RuntimeAccountArgs {
  readonly project: string;
  readonly stage: string;
  readonly provider: gcp.Provider;
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The identity the webhook runs as. It starts with no roles at all (unlike the default compute
 * account, which holds Editor); each grant it needs is made on one resource where it is used.
 */
export class RuntimeAccount extends pulumi.ComponentResource {
  readonly email: pulumi.Output<string>;
  readonly member: pulumi.Output<string>;

  constructor(name: string, args: RuntimeAccountArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:RuntimeAccount', name, {}, opts);
    const account = new gcp.serviceaccount.Account(
      name,
      {
        project: args.project,
        accountId: accountId(args.stage),
        displayName: `CX webhook runtime (${args.stage})`,
        description: 'Runs the Dialogflow CX webhook; holds no project roles.',
      },
      { parent: this, provider: args.provider, dependsOn: args.dependsOn },
    );
    this.email = account.email;
    this.member = account.member;
    this.registerOutputs({ email: this.email });
  }
}
