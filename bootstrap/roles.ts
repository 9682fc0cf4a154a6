// The project roles of the CI identities, in one place. The deployer's list is the one
// docs/deploy-reference.md (Roles the deployer needs) gives a person who runs `pulumi up`: what
// the program needs to create, wire and later update or destroy every resource, and what
// `npm run smoke` and `npm run agent:test` need to talk to the agent. The deployer's grants of two
// of them carry IAM conditions that narrow them (deployerConditions).
import type * as gcp from '@pulumi/gcp';
import { BUILD_ROLES } from '../infra/components/buildAccount';
import type { BootstrapConfig } from './config';

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

/** Read only, for `pulumi preview` on pull requests. */
export const PREVIEWER_ROLES = {
  webhookProject: ['roles/viewer'],
  agentProject: ['roles/viewer'],
} as const;

export type ProjectRoles = Readonly<Record<keyof typeof DEPLOYER_ROLES, readonly string[]>>;

/** Each project with the roles to grant there; one project when both are the same. */
export const rolesByProject = (
  roles: ProjectRoles,
  webhookProject: string,
  agentProject: string,
): Map<string, readonly string[]> =>
  webhookProject === agentProject
    ? new Map([[webhookProject, [...new Set([...roles.webhookProject, ...roles.agentProject])]]])
    : new Map([
        [webhookProject, roles.webhookProject],
        [agentProject, roles.agentProject],
      ]);

export type IamCondition = gcp.types.input.projects.IAMMemberCondition;

/**
 * The conditions on the deployer's project grants, by role:
 * - `storage.admin` everywhere but the state bucket and its objects (`resource.name` is
 *   `projects/_/buckets/<bucket>[/objects/<object>]` for Cloud Storage, cloud.google.com/iam/docs/
 *   conditions-resource-attributes): a deploy job cannot change the bucket's IAM, versioning or
 *   retention, nor delete it. It keeps `storage.objectAdmin` on that bucket alone (StateBackend).
 * - `resourcemanager.projectIamAdmin` only for the roles the program grants at project level (the
 *   build account's and the listed runtime roles), by `iam.googleapis.com/modifiedGrantsByRole`
 *   (cloud.google.com/iam/docs/setting-limits-on-granting-roles): it cannot grant itself Owner.
 */
export function deployerConditions(
  limits: Pick<BootstrapConfig, 'stateBucket' | 'grantableRoles'>,
): Readonly<Record<string, IamCondition>> {
  const bucket = `projects/_/buckets/${limits.stateBucket}`;
  const grantable = [...new Set([...BUILD_ROLES, ...limits.grantableRoles])]
    .sort()
    .map((role) => `'${role}'`);
  return {
    'roles/storage.admin': {
      title: 'not the Pulumi state bucket',
      description: `Every bucket but ${limits.stateBucket}, whose objects the deployer only reads and writes`,
      expression: `!(resource.name == '${bucket}' || resource.name.startsWith('${bucket}/'))`,
    },
    'roles/resourcemanager.projectIamAdmin': {
      title: 'only the roles the program grants',
      description: 'Project grants of the build and runtime roles, nothing else',
      expression: `api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([${grantable.join(', ')}])`,
    },
  };
}
