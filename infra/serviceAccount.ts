import * as gcp from '@pulumi/gcp';
import type * as pulumi from '@pulumi/pulumi';
import { afterAccountCreated } from './propagationWait';

/**
 * A service account, its ID `name`, whose `email`, `member` and `name` resolve once it can be used
 * (afterAccountCreated), granted each of `roles` on `project`: one non-authoritative member grant
 * per role (other principals' grants of the same role are left alone), named
 * `<name>-<role with punctuation as ->`.
 */
export function accountWithProjectRoles(
  name: string,
  args: { project: string; displayName: string; description: string; roles: readonly string[] },
  parent: pulumi.Resource,
) {
  const { project, displayName, description, roles } = args;
  const account = new gcp.serviceaccount.Account(
    name,
    { project, accountId: name, displayName, description },
    { parent },
  );
  const created = afterAccountCreated(`${name}-created`, account, parent);
  const grants = roles.map(
    (role) =>
      new gcp.projects.IAMMember(
        `${name}-${role.replace(/[^A-Za-z0-9]+/g, '-')}`,
        { project, role, member: created.member },
        { parent },
      ),
  );
  return { ...created, grants };
}
