import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { afterAccountCreated } from '../../infra/propagationWait';
import type { IamCondition } from '../roles';

export interface CiAccountArgs {
  /** Where the account lives (it names the grants there too). */
  readonly project: string;
  /** 6–30 characters. */
  readonly accountId: pulumi.Input<string>;
  readonly description: pulumi.Input<string>;
  /** Project → the roles to grant the account there. */
  readonly roles: ReadonlyMap<string, readonly string[]>;
  /** Role → the condition its grants carry, wherever that role is granted. */
  readonly conditions?: Readonly<Record<string, IamCondition>>;
  /** Who may act as the account: a Workload Identity principal set. */
  readonly impersonator: pulumi.Input<string>;
}

/**
 * A service account a workflow acts as through Workload Identity Federation. It has no key: the
 * only way in is `roles/iam.workloadIdentityUser` for the given principal set.
 */
export class CiAccount extends pulumi.ComponentResource {
  readonly email: pulumi.Output<string>;
  readonly member: pulumi.Output<string>;

  constructor(name: string, args: CiAccountArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:bootstrap:CiAccount', name, {}, opts);
    const { accountId, project, description } = args;
    const account = new gcp.serviceaccount.Account(
      name,
      { project, accountId, displayName: accountId, description },
      { parent: this },
    );
    // A new account is not usable at once; grants to it wait (WAIT_AFTER_CREATING_ACCOUNT).
    const created = afterAccountCreated(`${name}-created`, account, this);
    new gcp.serviceaccount.IAMMember(
      `${name}-federation`,
      {
        serviceAccountId: created.name,
        role: 'roles/iam.workloadIdentityUser',
        member: args.impersonator,
      },
      { parent: this },
    );
    for (const [project, roles] of args.roles) {
      for (const role of roles) {
        new gcp.projects.IAMMember(
          `${name}-${project}-${role.replace(/^roles\//, '').replace(/\./g, '-')}`,
          { project, role, member: created.member, condition: args.conditions?.[role] },
          { parent: this },
        );
      }
    }
    this.email = created.email;
    this.member = created.member;
    this.registerOutputs({ email: this.email });
  }
}
