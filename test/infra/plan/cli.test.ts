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
  it('prints the dev plan for a person, with the options that govern deletion', async () => {
    const { stdout } = await run('dev');
    expect(stdout).toContain('# cx-webhook-kit offline plan, stack "dev"');
    expect(stdout).toMatch(
      /gcp:diagflow\/cxAgent:CxAgent "stage-agent"\n.*\n.*\n {2}options: retainOnDelete\n/,
    );
    expect(stdout).toMatch(
      /gcp:cloudrunv2\/serviceIamMember:ServiceIamMember "webhook-invoker"\n {2}provider: webhook/,
    );
    expect(stdout).toContain('  role: roles/run.invoker');
    expect(stdout).toContain('  genericWebService.serviceAgentAuth: ID_TOKEN');
  }, 60_000);

  it('prints the prod plan as JSON for machines, with resource options', async () => {
    const { stdout } = await run('prod', '--json');
    const plan = JSON.parse(stdout) as Plan;
    expect(plan.stack).toBe('prod');
    const service = plan.resources.find((r) => r.type === 'gcp:cloudrunv2/service:Service');
    expect(service?.options).toEqual({ protect: true });
    const webhook = plan.resources.find((r) => r.type === 'gcp:diagflow/cxWebhook:CxWebhook');
    expect(webhook?.dependsOn).toContain(
      'gcp:cloudrunv2/serviceIamMember:ServiceIamMember "webhook-invoker"',
    );
    expect(webhook?.inputs['genericWebService.uri']).toBe(plan.outputs.serviceUrl);
  }, 60_000);

  it('fails clearly for a stack without a file', async () => {
    await expect(run('staging')).rejects.toThrow(/plan failed: .*Pulumi\.staging\.yaml/);
  }, 60_000);
});
