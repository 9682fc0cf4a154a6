// The project roles of the CI identities, in one place. The deployer's list is the one
// docs/deploy-reference.md (Roles the deployer needs) gives a person who runs `pulumi up`: what
// the program needs to create, wire and later update or destroy every resource, and what
// `npm run smoke` and `npm run agent:test` need to talk to the agent.
// The deployer's grants of two of them carry IAM conditions that narrow them (deployerConditions).
import { BUILD_ROLES } from '../infra/components/buildAccount';

/** Project roles of the deployer, per project. */
export const DEPLOYER_ROLES = {
  webhookProject: [
    'roles/serviceusage.serviceUsageAdmin',
    'roles/browser',
    'roles/run.admin',
    'roles/iam.serviceAccountAdmin',
    'roles/iam.serviceAccountUser',
    'roles/storage.admin',
    'roles/secretmanager.admin',
    'roles/cloudfunctions.admin',
    'roles/resourcemanager.projectIamAdmin',
    'roles/monitoring.editor',
    'roles/logging.configWriter',
  ],
  agentProject: ['roles/serviceusage.serviceUsageAdmin', 'roles/browser', 'roles/dialogflow.admin'],
} as const;

/** Project roles of the previewer: read only, for `pulumi preview` on pull requests. */
export const PREVIEWER_ROLES = {
  webhookProject: ['roles/viewer'],
  agentProject: ['roles/viewer'],
} as const;

export type ProjectRoles = {
  readonly webhookProject: readonly string[];
  readonly agentProject: readonly string[];
};

/** Each project with the roles to grant there; one project when both are the same. */
export function rolesByProject(
  roles: ProjectRoles,
  webhookProject: string,
  agentProject: string,
): Map<string, string[]> {
  const byProject = new Map<string, string[]>();
  const add = (project: string, list: readonly string[]) =>
    byProject.set(project, [...new Set([...(byProject.get(project) ?? []), ...list])]);
  add(webhookProject, roles.webhookProject);
  add(agentProject, roles.agentProject);
  return byProject;
}

/** An IAM condition on a role grant (CEL, as IAM evaluates it). */
export interface IamCondition {
  readonly title: string;
  readonly description: string;
  readonly expression: string;
}

export interface DeployerLimits {
  /** The Pulumi state bucket, which the deployer must not administer. */
  readonly stateBucket: string;
  /** Project roles the stage's stacks grant their runtime account (`runtimeRoles`). */
  readonly grantableRoles: readonly string[];
}

const quoted = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/**
 * The conditions on the deployer's project grants, by role:
 * - `storage.admin` everywhere but the state bucket and its objects (`resource.name` is
 *   `projects/_/buckets/<bucket>[/objects/<object>]` for Cloud Storage, cloud.google.com/iam/docs/
 *   conditions-resource-attributes): a deploy job cannot change the bucket's IAM, versioning or
 *   retention, nor delete it. It keeps `storage.objectAdmin` on that bucket alone (StateBackend).
 * - `resourcemanager.projectIamAdmin` only for the roles the program grants at project level (the
 *   build account's and the listed runtime roles), through `iam.googleapis.com/modifiedGrantsByRole`
 *   (cloud.google.com/iam/docs/setting-limits-on-granting-roles): it cannot grant itself Owner.
 */
export function deployerConditions(limits: DeployerLimits): ReadonlyMap<string, IamCondition> {
  const bucket = `projects/_/buckets/${limits.stateBucket}`;
  const grantable = [...new Set([...BUILD_ROLES, ...limits.grantableRoles])].sort();
  return new Map([
    [
      'roles/storage.admin',
      {
        title: 'not the Pulumi state bucket',
        description: `Every bucket but ${limits.stateBucket}, whose objects the deployer only reads and writes`,
        expression: `!(resource.name == '${bucket}' || resource.name.startsWith('${bucket}/'))`,
      },
    ],
    [
      'roles/resourcemanager.projectIamAdmin',
      {
        title: 'only the roles the program grants',
        description: 'Project grants of the build and runtime roles, nothing else',
        expression: `api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([${quoted(grantable)}])`,
      },
    ],
  ]);
}
