import { DEPLOYER_ROLES } from '../../bootstrap/roles';
import { docSection } from '../helpers/docs';

/** The documented "Roles the deployer needs" table, as project → roles. */
function readmeRoles(): { webhook: string[]; agent: string[] } {
  const table = docSection('Roles the deployer needs');
  const roles = { webhook: [] as string[], agent: [] as string[] };
  for (const line of table.split('\n')) {
    const row = /^\| (webhook|agent) +\| [^|]*\(`(roles\/[A-Za-z.]+)`\)/.exec(line);
    if (row) roles[row[1] as 'webhook' | 'agent'].push(row[2]);
  }
  return roles;
}

describe("the CI deployer's roles", () => {
  it('are exactly the documented list for each project, so a person and CI deploy with the same rights', () => {
    const readme = readmeRoles();
    expect(readme.webhook.length).toBeGreaterThan(5);
    expect([...DEPLOYER_ROLES.webhookProject].sort()).toEqual([...readme.webhook].sort());
    expect([...DEPLOYER_ROLES.agentProject].sort()).toEqual([...readme.agent].sort());
  });

  it('must not include a basic role (Owner, Editor)', () => {
    const all = [...DEPLOYER_ROLES.webhookProject, ...DEPLOYER_ROLES.agentProject];
    for (const basic of ['roles/owner', 'roles/editor']) expect(all).not.toContain(basic);
  });
});
