import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

/** GitHub Actions' OIDC token issuer. */
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

export interface GithubIdentityPoolArgs {
  readonly project: string;
  readonly stage: string;
  /** `owner/name`: tokens from any other repository are refused at the door. */
  readonly repository: string;
  /** The repository's numeric ID, pinned as well when given. */
  readonly repositoryId?: string;
  /** The GitHub environments whose jobs may exchange a token; any other job is refused. */
  readonly environments: readonly string[];
}

/** The CEL condition every token must meet before the pool accepts it. */
export function admissionCondition(args: GithubIdentityPoolArgs): string {
  return [
    `assertion.repository == '${args.repository}'`,
    ...(args.repositoryId ? [`assertion.repository_id == '${args.repositoryId}'`] : []),
    `assertion.environment in [${args.environments.map((e) => `'${e}'`).join(', ')}]`,
  ].join(' && ');
}

/**
 * A Workload Identity pool with GitHub's OIDC provider, admitting only this repository's jobs in
 * the named environments. Workflows exchange their GitHub token for short-lived Google credentials
 * (google-github-actions/auth): no service account key exists anywhere.
 */
export class GithubIdentityPool extends pulumi.ComponentResource {
  /** `projects/<number>/locations/global/workloadIdentityPools/<id>` */
  readonly poolName: pulumi.Output<string>;
  /** The provider's full name, the `workload_identity_provider` input of the auth action. */
  readonly providerName: pulumi.Output<string>;

  constructor(name: string, args: GithubIdentityPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:bootstrap:GithubIdentityPool', name, {}, opts);
    const pool = new gcp.iam.WorkloadIdentityPool(
      name,
      {
        project: args.project,
        workloadIdentityPoolId: `cx-webhook-kit-${args.stage}`,
        displayName: `${args.stage} GitHub Actions`,
        description: `GitHub Actions of ${args.repository}`,
      },
      { parent: this },
    );
    const provider = new gcp.iam.WorkloadIdentityPoolProvider(
      name,
      {
        project: args.project,
        workloadIdentityPoolId: pool.workloadIdentityPoolId,
        workloadIdentityPoolProviderId: 'github',
        displayName: 'GitHub Actions',
        // Claims of GitHub's token; `environment` is present only for jobs that name one.
        attributeMapping: {
          'google.subject': 'assertion.sub',
          'attribute.repository': 'assertion.repository',
          'attribute.repository_id': 'assertion.repository_id',
          'attribute.environment': 'assertion.environment',
          'attribute.ref': 'assertion.ref',
        },
        attributeCondition: admissionCondition(args),
        oidc: { issuerUri: GITHUB_ISSUER },
      },
      { parent: this },
    );
    this.poolName = pool.name;
    this.providerName = provider.name;
    this.registerOutputs({ poolName: this.poolName, providerName: this.providerName });
  }

  /** Everyone whose token names this GitHub environment (within the admitted repository). */
  environmentMember(environment: string): pulumi.Output<string> {
    return pulumi.interpolate`principalSet://iam.googleapis.com/${this.poolName}/attribute.environment/${environment}`;
  }
}
