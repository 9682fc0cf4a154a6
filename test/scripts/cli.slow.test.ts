import { runTool } from '../helpers/runTool';

// Every command-line tool in scripts/, as npm runs it: its own process through tsx.
const TOOLS = {
  simulate: 'scripts/simulate.ts',
  'local-idp': 'scripts/localIdpServer.ts',
  smoke: 'scripts/smoke.ts',
  'agent:check': 'scripts/agentCheck.ts',
  chat: 'scripts/chat.ts',
  'agent:test': 'scripts/agentTest.ts',
};

describe('every CLI in scripts/', () => {
  it('prints its usage with --help and exits 0; a usage error is one line and exit 2, no stack trace', async () => {
    const runs = await Promise.all(
      Object.entries(TOOLS).map(async ([name, file]) => ({
        name,
        help: await runTool(file, ['--help']),
        bad: await runTool(file, ['--no-such-flag']),
      })),
    );
    for (const { name, help, bad } of runs) {
      expect({ name, code: help.code, stderr: help.stderr }).toEqual({ name, code: 0, stderr: '' });
      expect(help.stdout).toMatch(/usage:\n/);
      expect({ name, code: bad.code, stdout: bad.stdout }).toEqual({ name, code: 2, stdout: '' });
      expect(bad.stderr).toBe(`${name}: unknown option --no-such-flag (see --help)\n`);
    }
  });
});
