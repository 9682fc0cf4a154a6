import * as pulumi from '@pulumi/pulumi';
import { accountWithProjectRoles } from '../serviceAccount';
import { afterGrants } from '../propagationWait';

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
    const account = accountWithProjectRoles(
      name,
      {
        project: args.project,
        displayName: `CX webhook build (${args.stage})`,
        description: 'Builds the Dialogflow CX webhook function; holds only the build roles.',
        roles: BUILD_ROLES,
      },
      this,
    );
    this.name = account.name;
    afterGrants(name, account.grants, this);
    this.registerOutputs({ name: this.name, roles: [...BUILD_ROLES] });
  }
}
