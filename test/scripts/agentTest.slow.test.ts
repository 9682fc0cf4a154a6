import { join } from 'node:path';
import { runTool } from '../helpers/runTool';

// npm run agent:test as a person runs it: its own process through tsx.
const TOOL = 'scripts/agentTest.ts';
const AGENT = 'projects/acme-none/locations/global/agents/a1';

describe('npm run agent:test in its own process', () => {
  it('prints its usage with --help; a usage error is one line and exit 2', async () => {
    const [help, bad] = await Promise.all([
      runTool(TOOL, ['--help']),
      runTool(TOOL, ['--no-such-flag']),
    ]);
    expect({ code: help.code, stderr: help.stderr }).toEqual({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/usage:\n/);
    expect({ code: bad.code, stdout: bad.stdout }).toEqual({ code: 2, stdout: '' });
    expect(bad.stderr).toBe('agent:test: unknown option --no-such-flag (see --help)\n');
  });

  it('without credentials says so in one line and exits 3, having reached nothing', async () => {
    const run = await runTool(TOOL, ['--agent', AGENT], {
      preload: join(__dirname, 'fixtures', 'logConnections.js'),
      // No Application Default Credentials anywhere, and no probe of the GCE metadata server
      // (gcp-metadata's METADATA_SERVER_DETECTION=none), so nothing leaves this machine.
      env: {
        HOME: '/nonexistent',
        CLOUDSDK_CONFIG: '/nonexistent',
        METADATA_SERVER_DETECTION: 'none',
      },
    });
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    const lines = run.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('connect: '));
    expect(lines).toEqual([
      expect.stringMatching(
        /^agent:test: could not set up a client for the Dialogflow API at dialogflow\.googleapis\.com: Could not load the default credentials\..*gcloud auth application-default login/,
      ),
    ]);
    const hosts = [...run.stderr.matchAll(/^connect: (.*)$/gm)].map((m) => m[1]);
    expect(hosts.filter((h) => !h.startsWith('unix:'))).toEqual([]);
  });
});
