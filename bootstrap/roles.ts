// The project roles of the CI identities, in one place. The deployer's list is the one the README's
// Deploy section gives a person who runs `pulumi up`: what the program needs to create, wire and
// later update or destroy every resource, and what `npm run smoke` needs to talk to the agent.

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
