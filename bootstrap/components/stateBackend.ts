import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

export interface StateBackendArgs {
  readonly project: string;
  readonly region: string;
  readonly stage: string;
  /** The state bucket's globally unique name. */
  readonly bucketName: string;
  /** Members that run updates: read and write state, encrypt and decrypt secrets. */
  readonly writers: Record<string, pulumi.Input<string>>;
  /** Members that run previews: read state, decrypt secrets. */
  readonly readers: Record<string, pulumi.Input<string>>;
}

/** Noncurrent state versions are kept this long, for recovery after a bad write. */
const NONCURRENT_DAYS = 30;

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
    const bucket = new gcp.storage.Bucket(
      name,
      {
        project: args.project,
        name: args.bucketName,
        location: args.region,
        uniformBucketLevelAccess: true,
        publicAccessPrevention: 'enforced',
        versioning: { enabled: true },
        // A deleted state version stays restorable this long; the deployer, which may delete
        // objects here but not administer the bucket, cannot shorten it (bootstrap/roles.ts).
        softDeletePolicy: { retentionDurationSeconds: NONCURRENT_DAYS * 24 * 3600 },
        lifecycleRules: [
          {
            action: { type: 'Delete' },
            condition: { daysSinceNoncurrentTime: NONCURRENT_DAYS, withState: 'ARCHIVED' },
          },
        ],
      },
      keep,
    );
    const ring = new gcp.kms.KeyRing(
      name,
      { project: args.project, name: `cx-webhook-kit-${args.stage}`, location: args.region },
      keep,
    );
    const key = new gcp.kms.CryptoKey(
      name,
      {
        keyRing: ring.id,
        name: 'pulumi-secrets',
        purpose: 'ENCRYPT_DECRYPT',
        // Rotation adds key versions; older ones stay to decrypt what they encrypted.
        rotationPeriod: `${90 * 24 * 3600}s`,
      },
      keep,
    );

    const grant = (
      who: string,
      member: pulumi.Input<string>,
      objectRole: string,
      keyRole: string,
    ) => {
      new gcp.storage.BucketIAMMember(
        `${name}-${who}`,
        { bucket: bucket.name, role: objectRole, member },
        { parent: this },
      );
      new gcp.kms.CryptoKeyIAMMember(
        `${name}-${who}`,
        { cryptoKeyId: key.id, role: keyRole, member },
        { parent: this },
      );
    };
    for (const [who, member] of Object.entries(args.writers)) {
      grant(who, member, 'roles/storage.objectAdmin', 'roles/cloudkms.cryptoKeyEncrypterDecrypter');
    }
    for (const [who, member] of Object.entries(args.readers)) {
      grant(who, member, 'roles/storage.objectViewer', 'roles/cloudkms.cryptoKeyDecrypter');
    }

    this.backendUrl = pulumi.interpolate`gs://${bucket.name}`;
    this.secretsProvider = pulumi.interpolate`gcpkms://${key.id}`;
    this.registerOutputs({ backendUrl: this.backendUrl, secretsProvider: this.secretsProvider });
  }
}
