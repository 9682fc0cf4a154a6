import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Plan } from '../../../infra/plan/render';
import { stackNames } from '../../helpers/infra';
import { COMMITTED_STAGES, createsAgent, isProtected } from '../programStages';

const ROOT = join(__dirname, '..', '..', '..');
const run = (...args: string[]) =>
  promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'infra/plan/cli.ts'), ...args],
    { cwd: ROOT },
  );

// The CLI plans the committed stack files, whatever their names and values: these tests check
// what every plan shows, and what follows from the stack's own settings.
const [FIRST] = stackNames();

describe('npm run plan', () => {
  it.each(COMMITTED_STAGES)(
    'prints the $stack plan for a person, opening with what each component is for',
    async (stage) => {
      const { stdout } = await run(stage.stack);
      expect(stdout).toContain(`# cx-webhook-kit offline plan, stack "${stage.stack}"`);
      // The summary comes before any detail: one line per component with its resource count.
      const summary = stdout.indexOf('summary: ');
      expect(summary).toBeGreaterThan(0);
      expect(summary).toBeLessThan(stdout.indexOf('outputs:'));
      expect(stdout).toMatch(
        /\n {2}WebhookService "[^"]+" +2 {2}the service \(Cloud Run or a gen2 function\)/,
      );
      // A created agent is listed, and kept on destroy; an existing one is not the stack's.
      expect(/\n {2}StageAgent "stage-agent" +1 {2}/.test(stdout)).toBe(createsAgent(stage));
      expect(
        /gcp:diagflow\/cxAgent:CxAgent "stage-agent"\n.*\n.*\n {2}options: retainOnDelete(, protect)?\n/.test(
          stdout,
        ),
      ).toBe(createsAgent(stage));
      expect(stdout).toMatch(
        /gcp:cloudrunv2\/serviceIamMember:ServiceIamMember "[^"]+-invoker"\n {2}provider: webhook/,
      );
      expect(stdout).toContain('  role: roles/run.invoker');
      expect(stdout).toContain('  genericWebService.serviceAgentAuth: ID_TOKEN');
    },
    60_000,
  );

  it.each(COMMITTED_STAGES)(
    'prints the $stack plan as JSON for machines, with the summary and resource options',
    async (stage) => {
      const { stdout } = await run(stage.stack, '--json');
      const plan = JSON.parse(stdout) as Plan;
      expect(plan.stack).toBe(stage.stack);
      expect(plan.summary).toContainEqual({
        component: 'CxWebhook "cx-webhook"',
        purpose: expect.any(String),
        resources: 1,
      });
      const service = plan.resources.find((r) => r.type === 'gcp:cloudrunv2/service:Service');
      expect(service?.options).toEqual(isProtected(stage) ? { protect: true } : {});
      const webhook = plan.resources.find((r) => r.type === 'gcp:diagflow/cxWebhook:CxWebhook');
      expect(webhook?.dependsOn).toContainEqual(
        expect.stringMatching(
          /^gcp:cloudrunv2\/serviceIamMember:ServiceIamMember "[^"]+-invoker"$/,
        ),
      );
      expect(webhook?.inputs['genericWebService.uri']).toBe(plan.outputs.serviceUrl);
    },
    60_000,
  );

  it('fails clearly for a stack without a file (exit 1, one line)', async () => {
    const missing = 'no-such-stack';
    expect(stackNames()).not.toContain(missing);
    const failure = (await run(missing).catch((error: unknown) => error)) as {
      code: number;
      stderr: string;
    };
    expect(failure.code).toBe(1);
    const listed = /^plan: no stack file Pulumi\.no-such-stack\.yaml \(stacks: (.*)\)\n$/.exec(
      failure.stderr,
    );
    expect(listed?.[1].split(', ').sort()).toEqual(stackNames());
  }, 60_000);

  it('prints its usage on --help, and refuses an unknown option with exit 2', async () => {
    const { stdout } = await run('--help');
    expect(stdout).toMatch(/^usage: npm run plan -- <stack> \[--json\]/);
    await expect(run(FIRST, '--jsn')).rejects.toMatchObject({
      code: 2,
      stderr: 'plan: unknown option --jsn (see --help)\n',
    });
  }, 60_000);

  it('on a config error with --json, prints an error object on stdout too (exit 1)', async () => {
    const failed = await run('no-such-stack', '--json').then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => e,
    );
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toEqual({
      error: { message: expect.stringMatching(/^no stack file Pulumi\.no-such-stack\.yaml/) },
    });
  }, 60_000);

  it('parses when run through npm and piped (npm run -s plan -- <stack> --json | …)', async () => {
    // --silent (-s) leaves out npm's "> package script" banner, which npm prints on stdout.
    const { stdout } = await promisify(execFile)(
      'npm',
      ['run', '-s', 'plan', '--', FIRST, '--json'],
      {
        cwd: ROOT,
        maxBuffer: 10 * 1024 * 1024,
      },
    );
    expect((JSON.parse(stdout) as Plan).stack).toBe(FIRST);
  }, 60_000);
});
