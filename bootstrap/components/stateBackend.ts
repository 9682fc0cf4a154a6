import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

export interface StateBackendArgs {
  readonly project: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly stage: pulumi.Input<string>;
  /** The state bucket's globally unique name. */
  readonly bucketName: pulumi.Input<string>;
  /** Members that run updates: read and write state, encrypt and decrypt secrets. */
  readonly writers: Record<string, pulumi.Input<string>>;
  /** Members that run previews: read state, decrypt secrets. */
  readonly readers: Record<string, pulumi.Input<string>>;
}

/** Noncurrent and deleted state versions are kept this long, for recovery after a bad write. */
const KEEP_DAYS = 30;

/**
 * Where the stage's Pulumi state lives (a private, versioned Cloud Storage bucket, the backend
 * `gs://<bucket>`) and the Cloud KMS key that encrypts its secrets (the secrets provider
 * `gcpkms://<key>`). Both are protected: losing either loses the stack.
 */
export class StateBackend extends pulumi.ComponentResource {
  /** `gs://<bucket>`, for `pulumi login` or PULUMI_BACKEND_URL. */
  readonly backendUrl: pulumi.Output<string>;
  /** `gcpkms://projects/…/cryptoKeys/…`, for `--secrets-provider`. */
  readonly secretsProvider: pulumi.Output<string>;

  constructor(name: string, args: StateBackendArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:bootstrap:StateBackend', name, {}, opts);
    const keep = { parent: this, protect: true };
    const { project, region: location } = args;
    const bucket = new gcp.storage.Bucket(
      name,
      {
        project,
        name: args.bucketName,
        location,
        uniformBucketLevelAccess: true,
        publicAccessPrevention: 'enforced',
        versioning: { enabled: true },
        // Deleted versions stay restorable; the deployer, which may delete objects here but not
        // administer the bucket, cannot shorten this (bootstrap/roles.ts).
        softDeletePolicy: { retentionDurationSeconds: KEEP_DAYS * 24 * 3600 },
        lifecycleRules: [
          {
            action: { type: 'Delete' },
            condition: { daysSinceNoncurrentTime: KEEP_DAYS, withState: 'ARCHIVED' },
          },
        ],
      },
      keep,
    );
    const ring = new gcp.kms.KeyRing(
      name,
      { project, name: pulumi.interpolate`cx-webhook-kit-${args.stage}`, location },
      keep,
    );
    // Rotation adds key versions; older ones stay to decrypt what they encrypted.
    const key = new gcp.kms.CryptoKey(
      name,
      {
        keyRing: ring.id,
        name: 'pulumi-secrets',
        purpose: 'ENCRYPT_DECRYPT',
        rotationPeriod: `${90 * 24 * 3600}s`,
      },
      keep,
    );

    const access = [
      [args.writers, 'roles/storage.objectAdmin', 'roles/cloudkms.cryptoKeyEncrypterDecrypter'],
      [args.readers, 'roles/storage.objectViewer', 'roles/cloudkms.cryptoKeyDecrypter'],
    ] as const;
    for (const [members, bucketRole, keyRole] of access) {
      for (const [who, member] of Object.entries(members)) {
        const bucketGrant = { bucket: bucket.name, role: bucketRole, member };
        new gcp.storage.BucketIAMMember(`${name}-${who}`, bucketGrant, { parent: this });
        const keyGrant = { cryptoKeyId: key.id, role: keyRole, member };
        new gcp.kms.CryptoKeyIAMMember(`${name}-${who}`, keyGrant, { parent: this });
      }
    }

    this.backendUrl = pulumi.interpolate`gs://${bucket.name}`;
    this.secretsProvider = pulumi.interpolate`gcpkms://${key.id}`;
    this.registerOutputs({ backendUrl: this.backendUrl, secretsProvider: this.secretsProvider });
  }
}
