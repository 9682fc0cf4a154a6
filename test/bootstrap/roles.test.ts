import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOYER_ROLES } from '../../bootstrap/roles';

/** The README's "Roles the deployer needs" table, as project → roles. */
function readmeRoles(): { webhook: string[]; agent: string[] } {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('### Roles the deployer needs');
  const table = readme.slice(start, readme.indexOf('\n### ', start + 1));
  const roles = { webhook: [] as string[], agent: [] as string[] };
  for (const line of table.split('\n')) {
    const row = /^\| (webhook|agent) +\| [^|]*\(`(roles\/[A-Za-z.]+)`\)/.exec(line);
    if (row) roles[row[1] as 'webhook' | 'agent'].push(row[2]);
  }
  return roles;
}

describe("the CI deployer's roles", () => {
  it("are exactly the README's list for each project, so a person and CI deploy with the same rights", () => {
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
