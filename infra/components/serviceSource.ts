import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { functionArchive, writeRunArchive, type ServiceBundle } from '../bundle';
import { sourceBucketName } from '../names';

export interface ServiceSourceArgs {
  readonly project: string;
  readonly region: string;
  readonly stage: string;
  readonly bundle: ServiceBundle;
  /** Who reads the source object when Cloud Run starts it (the runtime account); granted on this bucket only. */
  readonly readerMember?: pulumi.Input<string>;
  /** Dev stacks may delete the bucket with its objects; prod keeps them. */
  readonly forceDestroy: boolean;
  readonly provider: gcp.Provider;
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * A private bucket holding the built service. The object name carries the bundle's content hash,
 * so a code change uploads a new object (and rolls a revision) and an unchanged tree changes nothing.
 */
export class ServiceSource extends pulumi.ComponentResource {
  readonly bucket: pulumi.Output<string>;
  readonly object: pulumi.Output<string>;
  readonly generation: pulumi.Output<string>;

  constructor(name: string, args: ServiceSourceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:ServiceSource', name, {}, opts);
    const child = { parent: this, provider: args.provider };
    const bucket = new gcp.storage.Bucket(
      name,
      {
        project: args.project,
        name: sourceBucketName(args.project, args.stage),
        location: args.region,
        uniformBucketLevelAccess: true,
        publicAccessPrevention: 'enforced',
        // No age-based clean-up: the live revision may need its object again. A new bundle
        // replaces the BucketObject, and Pulumi deletes the old object then.
        forceDestroy: args.forceDestroy,
      },
      { ...child, dependsOn: args.dependsOn },
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
      child,
    );
    if (args.readerMember) {
      new gcp.storage.BucketIAMMember(
        `${name}-reader`,
        { bucket: bucket.name, role: 'roles/storage.objectViewer', member: args.readerMember },
        child,
      );
    }
    this.bucket = bucket.name;
    this.object = object.name;
    this.generation = object.generation.apply((g) => String(g));
    this.registerOutputs({ bucket: this.bucket, object: this.object });
  }
}
