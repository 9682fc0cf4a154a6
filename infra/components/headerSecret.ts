import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { afterGrants } from '../propagationWait';

/** An environment variable read from a Secret Manager secret (`version`: a number or `latest`). */
export interface SecretRef {
  readonly env: string;
  readonly secretId: pulumi.Input<string>;
  readonly version: pulumi.Input<string>;
}

export interface HeaderSecretArgs {
  readonly project: pulumi.Input<string>;
  /** The service's region: the one place the payload is stored. */
  readonly region: pulumi.Input<string>;
  /** The value, from `pulumi config set --secret`; it stays a secret in state. */
  readonly value: pulumi.Input<string>;
  /** Members that may read this one secret, by a short name for the grant. */
  readonly accessors: Record<string, pulumi.Input<string>>;
  /** Provider's `deletionProtection` and Pulumi's `protect` on the secret (not its versions). */
  readonly deletionProtection: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The shared header secret in Secret Manager, its ID the component's name. Dialogflow reads it
 * through the webhook's `secretVersionsForRequestHeaders`, the service through a secret-backed env
 * var; each reader is granted access to this secret only. The component completes once the grants
 * have had time to apply: Cloud Run checks that the runtime account can read the secret when it
 * creates a revision.
 */
export class HeaderSecret extends pulumi.ComponentResource {
  /** The secret's ID and version number, for an env var reference. */
  readonly ref: Omit<SecretRef, 'env'>;
  /** `projects/…/secrets/…/versions/N`, for the CX webhook. */
  readonly versionName: pulumi.Output<string>;

  constructor(name: string, args: HeaderSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:HeaderSecret', name, {}, opts);
    const secret = new gcp.secretmanager.Secret(
      name,
      {
        project: args.project,
        secretId: name,
        labels: args.labels,
        // In the service's region: "a secret with an automatic replication policy can only be
        // created if resource creation in global is allowed", which a resource locations
        // organisation policy may forbid
        // (cloud.google.com/secret-manager/docs/choosing-replication).
        replication: { userManaged: { replicas: [{ location: args.region }] } },
        deletionProtection: args.deletionProtection,
      },
      // Replication cannot change after creation: an older, automatically replicated secret is
      // kept rather than replaced (and its value lost).
      { parent: this, protect: args.deletionProtection, ignoreChanges: ['replication'] },
    );
    const version = new gcp.secretmanager.SecretVersion(
      name,
      { secret: secret.id, secretData: pulumi.secret(args.value) },
      { parent: this },
    );
    const grants = Object.entries(args.accessors).map(
      ([who, member]) =>
        new gcp.secretmanager.SecretIamMember(
          `${name}-${who}`,
          {
            project: args.project,
            secretId: secret.secretId,
            role: 'roles/secretmanager.secretAccessor',
            member,
          },
          { parent: this },
        ),
    );
    afterGrants(name, grants, this);
    this.ref = { secretId: secret.secretId, version: version.version };
    this.versionName = version.name;
    this.registerOutputs({ secretId: secret.secretId, versionName: this.versionName });
  }
}
