import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { afterGrants } from '../propagationWait';

export interface HeaderSecretArgs {
  readonly project: pulumi.Input<string>;
  /** The service's region: the one place the secret's payload is stored. */
  readonly region: pulumi.Input<string>;
  readonly stage: string;
  /** The value, from `pulumi config set --secret`; it stays a secret in state. */
  readonly value: pulumi.Input<string>;
  /** Members that may read this one secret: the runtime account and Dialogflow's service agent. */
  readonly accessors: Record<string, pulumi.Input<string>>;
  /**
   * Keeps the secret from being deleted: the provider's own `deletionProtection` and Pulumi's
   * `protect`. Its versions are not protected, so a new value still replaces the version.
   */
  readonly deletionProtection: boolean;
  /** Labels for the secret (the stage profile among them). */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The shared header secret in Secret Manager. Dialogflow reads it through the webhook's
 * `secretVersionsForRequestHeaders`, the service through a secret-backed env var; each reader is
 * granted access to this secret only, never project-wide. The component completes once the grants
 * have had time to apply: Cloud Run checks that the runtime account can read the secret when it
 * creates a revision.
 */
export class HeaderSecret extends pulumi.ComponentResource {
  /** The secret's short ID, for env var references. */
  readonly secretId: pulumi.Output<string>;
  /** `projects/…/secrets/…/versions/N`, for the CX webhook. */
  readonly versionName: pulumi.Output<string>;
  /** The version number, for the env var reference. */
  readonly version: pulumi.Output<string>;

  constructor(name: string, args: HeaderSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:HeaderSecret', name, {}, opts);
    const child = { parent: this };
    const secret = new gcp.secretmanager.Secret(
      name,
      {
        project: args.project,
        secretId: `cx-webhook-${args.stage}-header`,
        labels: args.labels,
        // User-managed, in the service's region: "a secret with an automatic replication policy
        // can only be created if resource creation in global is allowed", which a resource
        // locations organisation policy may forbid (cloud.google.com/secret-manager/docs/
        // choosing-replication).
        replication: { userManaged: { replicas: [{ location: args.region }] } },
        deletionProtection: args.deletionProtection,
      },
      {
        ...child,
        protect: args.deletionProtection,
        // Replication cannot change after creation: a secret made before this setting keeps its
        // automatic replication rather than being replaced (and its value lost) on update.
        ignoreChanges: ['replication'],
      },
    );
    const version = new gcp.secretmanager.SecretVersion(
      name,
      { secret: secret.id, secretData: pulumi.secret(args.value) },
      child,
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
          child,
        ),
    );
    afterGrants(`${name}-propagation`, grants, this);
    this.secretId = secret.secretId;
    this.versionName = version.name;
    this.version = version.version;
    this.registerOutputs({ secretId: this.secretId, versionName: this.versionName });
  }
}
