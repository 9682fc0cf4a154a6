import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { functionArchive, writeRunArchive, type ServiceBundle } from '../bundle';
import { afterGrants } from '../propagationWait';

export interface ServiceSourceArgs {
  readonly project: string;
  readonly region: string;
  readonly bundle: ServiceBundle;
  /** Who reads the source when the service starts, by a short name for the grant. */
  readonly readers: Readonly<Record<string, pulumi.Input<string>>>;
  /** Protects the bucket and its objects; without it, destroy deletes the bucket and content. */
  readonly deletionProtection: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * A private bucket named after the component, holding the built service named by its content hash:
 * a code change uploads a new object (and rolls a revision), an unchanged tree changes nothing.
 * Objects are kept when replaced (`retainOnDelete`), so an older revision can be rolled back to.
 * Each reader gets objectViewer on this bucket only; the component completes once the grants have
 * had time to apply.
 */
export class ServiceSource extends pulumi.ComponentResource {
  readonly bucket: pulumi.Output<string>;
  readonly object: pulumi.Output<string>;
  readonly generation: pulumi.Output<string>;

  constructor(name: string, args: ServiceSourceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:ServiceSource', name, {}, opts);
    const bucket = new gcp.storage.Bucket(
      name,
      {
        project: args.project,
        name,
        location: args.region,
        labels: args.labels,
        uniformBucketLevelAccess: true,
        publicAccessPrevention: 'enforced',
        // No age-based clean-up: a live or rolled-back revision may need its object again.
        forceDestroy: !args.deletionProtection,
      },
      { parent: this, protect: args.deletionProtection },
    );
    const isFunction = args.bundle.entry === 'function';
    const object = new gcp.storage.BucketObject(
      name,
      {
        bucket: bucket.name,
        name: isFunction
          ? `webhook-function-${args.bundle.hash}.zip`
          : `webhook-run-${args.bundle.hash}.tar.gz`,
        source: isFunction
          ? functionArchive(args.bundle)
          : new pulumi.asset.FileAsset(writeRunArchive(args.bundle)),
      },
      { parent: this, retainOnDelete: true },
    );
    const grants = Object.entries(args.readers).map(
      ([who, member]) =>
        new gcp.storage.BucketIAMMember(
          `${name}-reader-${who}`,
          { bucket: bucket.name, role: 'roles/storage.objectViewer', member },
          { parent: this },
        ),
    );
    afterGrants(name, grants, this);
    this.bucket = bucket.name;
    this.object = object.name;
    this.generation = object.generation.apply(String);
    this.registerOutputs({ bucket: this.bucket, object: this.object });
  }
}
