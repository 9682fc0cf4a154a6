import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { grantProjectRoles } from '../projectRoles';
import { afterAccountCreated, afterGrants } from '../propagationWait';

/**
 * "grant the Cloud Run Builder (roles/run.builder) role to the Cloud Build service account on the
 * project" (cloud.google.com/run/docs/configuring/services/build-service-account): logs, the image
 * push and the source copy, into repositories that do not exist before the first deploy.
 */
export const BUILD_ROLES = ['roles/run.builder'] as const;

export interface BuildAccountArgs {
  readonly project: string;
  /** For the display name. */
  readonly stage: string;
}

/**
 * The identity a function's build runs as, its account ID the component's name (the default build
 * identity of projects created since mid-2024 holds none of these roles). The component completes
 * once the grants have had time to apply, as @pulumi/gcp's "Cloudfunctions2 Basic Builder" does.
 */
export class BuildAccount extends pulumi.ComponentResource {
  /** `projects/<project>/serviceAccounts/<email>`, the form `buildConfig.serviceAccount` takes. */
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: BuildAccountArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:BuildAccount', name, {}, opts);
    const account = new gcp.serviceaccount.Account(
      name,
      {
        project: args.project,
        accountId: name,
        displayName: `CX webhook build (${args.stage})`,
        description: 'Builds the Dialogflow CX webhook function; holds only the build roles.',
      },
      { parent: this },
    );
    const created = afterAccountCreated(`${name}-created`, account, this);
    this.name = created.name;
    afterGrants(
      name,
      grantProjectRoles(name, args.project, BUILD_ROLES, created.member, this),
      this,
    );
    this.registerOutputs({ name: this.name, roles: [...BUILD_ROLES] });
  }
}
