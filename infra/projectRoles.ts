import * as gcp from '@pulumi/gcp';
import type * as pulumi from '@pulumi/pulumi';

/**
 * Grants `member` each of `roles` on `project`, one non-authoritative member grant per role (other
 * principals' grants of the same role are left alone), named `<name>-<role with punctuation as ->`.
 */
export function grantProjectRoles(
  name: string,
  project: string,
  roles: readonly string[],
  member: pulumi.Input<string>,
  parent: pulumi.Resource,
): gcp.projects.IAMMember[] {
  return roles.map(
    (role) =>
      new gcp.projects.IAMMember(
        `${name}-${role.replace(/[^A-Za-z0-9]+/g, '-')}`,
        { project, role, member },
        { parent },
      ),
  );
}
