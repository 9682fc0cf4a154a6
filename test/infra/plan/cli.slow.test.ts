import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Plan } from '../../../infra/plan/render';

const ROOT = join(__dirname, '..', '..', '..');
const run = (...args: string[]) =>
  promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'infra/plan/cli.ts'), ...args],
    { cwd: ROOT },
  );

describe('npm run plan', () => {
  it('prints the dev plan for a person, opening with what each component is for', async () => {
    const { stdout } = await run('dev');
    expect(stdout).toContain('# cx-webhook-kit offline plan, stack "dev"');
    // The summary comes before any detail: one line per component with its resource count.
    const summary = stdout.indexOf('summary: ');
    expect(summary).toBeGreaterThan(0);
    expect(summary).toBeLessThan(stdout.indexOf('outputs:'));
    expect(stdout).toMatch(
      /\n {2}WebhookService "webhook" +2 {2}the service \(Cloud Run or a gen2 function\)/,
    );
    expect(stdout).toMatch(/\n {2}StageAgent "stage-agent" +1 {2}/);
    expect(stdout).toMatch(
      /gcp:diagflow\/cxAgent:CxAgent "stage-agent"\n.*\n.*\n {2}options: retainOnDelete\n/,
    );
    expect(stdout).toMatch(
      /gcp:cloudrunv2\/serviceIamMember:ServiceIamMember "webhook-invoker"\n {2}provider: webhook/,
    );
    expect(stdout).toContain('  role: roles/run.invoker');
    expect(stdout).toContain('  genericWebService.serviceAgentAuth: ID_TOKEN');
  }, 60_000);

  it('prints the prod plan as JSON for machines, with the summary and resource options', async () => {
    const { stdout } = await run('prod', '--json');
    const plan = JSON.parse(stdout) as Plan;
    expect(plan.stack).toBe('prod');
    expect(plan.summary).toContainEqual({
      component: 'CxWebhook "cx-webhook"',
      purpose: expect.any(String),
      resources: 1,
    });
    const service = plan.resources.find((r) => r.type === 'gcp:cloudrunv2/service:Service');
    expect(service?.options).toEqual({ protect: true });
    const webhook = plan.resources.find((r) => r.type === 'gcp:diagflow/cxWebhook:CxWebhook');
    expect(webhook?.dependsOn).toContain(
      'gcp:cloudrunv2/serviceIamMember:ServiceIamMember "webhook-invoker"',
    );
    expect(webhook?.inputs['genericWebService.uri']).toBe(plan.outputs.serviceUrl);
  }, 60_000);

  it('fails clearly for a stack without a file (exit 1, one line)', async () => {
    await expect(run('staging')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /^plan: no stack file Pulumi\.staging\.yaml \(stacks: .*dev.*\)\n$/,
      ),
    });
  }, 60_000);

  it('prints its usage on --help, and refuses an unknown option with exit 2', async () => {
    const { stdout } = await run('--help');
    expect(stdout).toMatch(/^usage: npm run plan -- <stack> \[--json\]/);
    await expect(run('dev', '--jsn')).rejects.toMatchObject({
      code: 2,
      stderr: 'plan: unknown option --jsn (see --help)\n',
    });
  }, 60_000);

  it('on a config error with --json, prints an error object on stdout too (exit 1)', async () => {
    const failed = await run('staging', '--json').then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => e,
    );
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toEqual({
      error: { message: expect.stringMatching(/^no stack file Pulumi\.staging\.yaml/) },
    });
  }, 60_000);

  it('parses when run through npm and piped (npm run -s plan -- prod --json | …)', async () => {
    // --silent (-s) leaves out npm's "> package script" banner, which npm prints on stdout.
    const { stdout } = await promisify(execFile)(
      'npm',
      ['run', '-s', 'plan', '--', 'prod', '--json'],
      {
        cwd: ROOT,
        maxBuffer: 10 * 1024 * 1024,
      },
    );
    expect((JSON.parse(stdout) as Plan).stack).toBe('prod');
  }, 60_000);
});
