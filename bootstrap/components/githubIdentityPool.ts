import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

/** A kind of job the pool admits, told apart by the claims of its GitHub OIDC token. */
interface AdmittedJob {
  readonly environment: string;
  /** The workflow file in `.github/workflows/`. */
  readonly workflow: string;
  readonly events: readonly string[];
  /** Exact refs, or prefixes ending in `*`. */
  readonly refs: readonly string[];
}

export interface GithubIdentityPoolArgs {
  readonly project: pulumi.Input<string>;
  readonly stage: pulumi.Input<string>;
  /** `owner/name`: tokens from any other repository are refused at the door. */
  readonly repository: string;
  /** The repository's numeric ID, pinned as well when given. */
  readonly repositoryId?: string;
  /** The jobs that may exchange a token; any other job is refused. */
  readonly jobs: readonly AdmittedJob[];
}

/** Google's limit on an attribute condition (WorkloadIdentityPoolProvider.attribute_condition). */
const MAX_CONDITION_LENGTH = 4096;

/**
 * One admitted job: its environment, the event that started the run, the ref the workflow was read
 * from (a trailing `*` matching any ref that starts with the rest), and that the job is that
 * workflow file's at that ref. GitHub creates an environment on first use without protection, so
 * a job naming an environment proves nothing by itself; the ref and the workflow file tie the token
 * to reviewed code. Claims: docs.github.com/en/actions/reference/security/oidc (`job_workflow_ref`
 * = `owner/repo/.github/workflows/<file>@<ref>` for a job of that file). The repository part is
 * compared with the token's own `repository` claim, so it matches however GitHub spells the name.
 */
function jobCondition(job: AdmittedJob): string {
  const refs = job.refs.map((ref) =>
    ref.endsWith('*')
      ? `assertion.ref.startsWith('${ref.slice(0, -1)}')`
      : `assertion.ref == '${ref}'`,
  );
  return `(${[
    `assertion.environment == '${job.environment}'`,
    job.events.length === 1
      ? `assertion.event_name == '${job.events[0]}'`
      : `assertion.event_name in [${job.events.map((e) => `'${e}'`).join(', ')}]`,
    refs.length === 1 ? refs[0] : `(${refs.join(' || ')})`,
    `assertion.job_workflow_ref == assertion.repository + '/.github/workflows/${job.workflow}@' + assertion.ref`,
  ].join(' && ')})`;
}

/**
 * The CEL condition every token must meet before the pool accepts it. GitHub treats repository
 * names case-insensitively while the token carries the name as GitHub stores it, and Google
 * compares strings exactly ("GitHub does not distinguish between "foobar" and "FooBar", but Google
 * Cloud does", google-github-actions/auth docs/TROUBLESHOOTING.md): the name is compared in lower
 * case (`lowerAscii`, CEL's strings extension). The numeric ID, when given, is exact and survives a
 * rename (docs/SECURITY_CONSIDERATIONS.md there).
 */
export function admissionCondition(args: GithubIdentityPoolArgs): string {
  const condition = [
    `assertion.repository.lowerAscii() == '${args.repository.toLowerCase()}'`,
    ...(args.repositoryId ? [`assertion.repository_id == '${args.repositoryId}'`] : []),
    `(${args.jobs.map(jobCondition).join(' || ')})`,
  ].join(' && ');
  if (condition.length > MAX_CONDITION_LENGTH) {
    throw new Error(
      `the attribute condition has ${condition.length} characters; Google allows ${MAX_CONDITION_LENGTH}: admit fewer refs or events`,
    );
  }
  return condition;
}

/**
 * A Workload Identity pool with GitHub's OIDC provider, admitting only this repository's deploy and
 * preview jobs. Workflows exchange their GitHub token for short-lived Google credentials
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
        workloadIdentityPoolId: pulumi.interpolate`cx-webhook-kit-${args.stage}`,
        displayName: pulumi.interpolate`${args.stage} GitHub Actions`,
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
        oidc: { issuerUri: 'https://token.actions.githubusercontent.com' },
      },
      { parent: this },
    );
    this.poolName = pool.name;
    this.providerName = provider.name;
    this.registerOutputs({ poolName: this.poolName, providerName: this.providerName });
  }

  /** Every admitted token that names this GitHub environment (the condition ties it to its job). */
  environmentMember(environment: string): pulumi.Output<string> {
    return pulumi.interpolate`principalSet://iam.googleapis.com/${this.poolName}/attribute.environment/${environment}`;
  }
}
