import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { buildAccountId } from '../names';
import { grantProjectRoles } from '../projectRoles';
import { afterGrants } from '../propagationWait';

/**
 * What a Cloud Functions build needs, and nothing more (cloud.google.com/functions/docs/securing/
 * build-custom-sa): write its logs, push the image to the `gcf-artifacts` repository Cloud
 * Functions creates on first deploy, and read the source, which Cloud Functions copies into its own
 * `gcf-v2-sources-<number>-<region>` bucket before the build fetches it (the build's "Access to
 * bucket gcf-v2-sources-… denied. You must grant Storage Object Viewer" failure,
 * hashicorp/terraform-provider-google#20571). Neither that repository nor that bucket exists
 * before the first deploy, so these roles are granted on the project.
 */
export const BUILD_ROLES = [
  'roles/logging.logWriter',
  'roles/artifactregistry.writer',
  'roles/storage.objectViewer',
] as const;

export interface BuildAccountArgs {
  readonly project: string;
  readonly stage: string;
}

/**
 * The identity a function's build runs as. Without one, the build runs as the project's default
 * build identity, which in projects created since mid-2024 (and in secure-by-default organisations)
 * holds none of these roles. `ready` completes once the grants have had time to apply, as in
 * @pulumi/gcp's "Cloudfunctions2 Basic Builder" example.
 */
export class BuildAccount extends pulumi.ComponentResource {
  /** `projects/<project>/serviceAccounts/<email>`, the form `buildConfig.serviceAccount` takes. */
  readonly name: pulumi.Output<string>;
  readonly member: pulumi.Output<string>;
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: BuildAccountArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:BuildAccount', name, {}, opts);
    const account = new gcp.serviceaccount.Account(
      name,
      {
        project: args.project,
        accountId: buildAccountId(args.stage),
        displayName: `CX webhook build (${args.stage})`,
        description: 'Builds the Dialogflow CX webhook function; holds only the build roles.',
      },
      { parent: this, dependsOn: opts?.dependsOn },
    );
    const grants = grantProjectRoles(name, args.project, BUILD_ROLES, account.member, this);
    this.name = account.name;
    this.member = account.member;
    this.ready = afterGrants(`${name}-propagation`, grants, this);
    this.registerOutputs({ name: this.name, roles: [...BUILD_ROLES] });
  }
}
