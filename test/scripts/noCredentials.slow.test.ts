import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from '../helpers/runTool';

// A person who has not run `gcloud auth application-default login` gets one line saying so, and
// exit 3 (the check could not run), from each tool that calls Dialogflow as them.

const AGENT = 'projects/p/locations/global/agents/a';
const TOOLS: [string, string[]][] = [
  ['scripts/smoke.ts', ['--agent', AGENT, '--flow', `${AGENT}/flows/f`, '--wait', '0']],
  ['scripts/agentCheck.ts', ['--agent', AGENT]],
  ['scripts/chat.ts', ['--agent', AGENT]],
  ['scripts/agentTest.ts', ['--agent', AGENT]],
];

describe('without Google credentials', () => {
  const home = mkdtempSync(join(tmpdir(), 'cx-home-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  // An empty HOME has no gcloud credentials file; past it the auth library would probe the GCE
  // metadata server (169.254.169.254). METADATA_SERVER_DETECTION=none is gcp-metadata's switch to
  // skip that probe (gcp-metadata build/src/index.js, isAvailable), so nothing leaves the machine,
  // which the preloaded connection log proves.
  const env = (extra: Record<string, string>) => ({
    HOME: home,
    CLOUDSDK_CONFIG: join(home, 'gcloud'),
    METADATA_SERVER_DETECTION: 'none',
    ...extra,
  });
  const cases = TOOLS.flatMap(
    ([script, args]): {
      script: string;
      args: string[];
      why: string;
      extra: Record<string, string>;
    }[] => [
      { script, args, why: 'none anywhere', extra: {} },
      {
        script,
        args,
        why: 'GOOGLE_APPLICATION_CREDENTIALS names no file',
        extra: { GOOGLE_APPLICATION_CREDENTIALS: join(home, 'missing.json') },
      },
    ],
  );

  it.each(cases)(
    '$script: $why → one line, exit 3',
    async ({ script, args, extra }) => {
      const run = await runTool(script, args, {
        env: env(extra),
        preload: join(__dirname, 'fixtures', 'logConnections.js'),
      });
      const lines = run.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('connect: '));
      expect(lines).toEqual([
        expect.stringMatching(
          /^[a-z:]+: no Google credentials \(.+\); get them with gcloud auth application-default login$/,
        ),
      ]);
      expect(run.code).toBe(3);
      expect(run.stdout).toBe('');
      const hosts = [...run.stderr.matchAll(/^connect: (.*)$/gm)].map((m) => m[1]);
      expect(hosts.filter((h) => h !== '127.0.0.1' && !h.startsWith('unix:'))).toEqual([]);
    },
    30_000,
  );
});
