import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { afterGrants } from '../propagationWait';

export interface SecretAccessArgs {
  readonly project: pulumi.Input<string>;
  /** The secrets' IDs, as the stack's `serviceSecrets` names them. */
  readonly secretIds: readonly string[];
  /** Who reads them: the runtime account. */
  readonly member: pulumi.Input<string>;
}

/**
 * Lets the runtime account read exactly the secrets the stack lists, each grant on its one secret,
 * never project-wide. The secrets belong to the user (created and rotated outside this program).
 * The component completes once the grants have had time to apply (Cloud Run checks secret access
 * when it creates a revision).
 */
export class SecretAccess extends pulumi.ComponentResource {
  constructor(name: string, args: SecretAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:SecretAccess', name, {}, opts);
    const secretIds = [...new Set(args.secretIds)];
    const grants = secretIds.map(
      (secretId) =>
        new gcp.secretmanager.SecretIamMember(
          `${name}-${secretId}`,
          {
            project: args.project,
            secretId,
            role: 'roles/secretmanager.secretAccessor',
            member: args.member,
          },
          { parent: this },
        ),
    );
    afterGrants(name, grants, this);
    this.registerOutputs({ secretIds });
  }
}
