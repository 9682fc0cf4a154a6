import { CliError, UsageError } from '../../../lib/cli';
import { readStackOutputs, requireOutput } from '../../../scripts/cx/target';
import { fakePulumi } from '../../helpers/fakePulumi';
import { AGENT, SMOKE_FLOW } from '../../helpers/standInAgents';

describe('stack outputs through the Pulumi CLI', () => {
  it('runs `pulumi stack output --json --stack <stack>` and parses the outputs', async () => {
    const pulumi = fakePulumi({ outputs: { agentName: AGENT, smokeFlowName: SMOKE_FLOW } });
    try {
      const outputs = await readStackOutputs('dev', '--agent', { command: pulumi.command });
      expect(pulumi.lastArgs()).toEqual(['stack', 'output', '--json', '--stack', 'dev']);
      expect(requireOutput(outputs, 'smokeFlowName', 'dev', 'x')).toBe(SMOKE_FLOW);
    } finally {
      pulumi.cleanup();
    }
  });

  it('says how to go on when the Pulumi CLI is missing', async () => {
    const error = await readStackOutputs('dev', '--agent and --flow', {
      command: '/nonexistent/bin/pulumi',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(3);
    expect((error as CliError).message).toBe(
      'the Pulumi CLI is not on PATH (https://www.pulumi.com/docs/install/); install it and log in, or give --agent and --flow instead of a stack name',
    );
  });

  it("passes on the CLI's own reason when it fails", async () => {
    const pulumi = fakePulumi({
      exitCode: 255,
      stderr: "error: no stack named 'qa' found\nmore detail\n",
    });
    try {
      await expect(readStackOutputs('qa', '--agent', { command: pulumi.command })).rejects.toThrow(
        "pulumi stack output --stack qa failed: error: no stack named 'qa' found",
      );
    } finally {
      pulumi.cleanup();
    }
  });

  it('refuses output that is not a JSON object', async () => {
    const pulumi = fakePulumi({ stdout: 'Current stack outputs (0):\n' });
    try {
      await expect(readStackOutputs('dev', '--agent', { command: pulumi.command })).rejects.toThrow(
        'did not print a JSON object',
      );
    } finally {
      pulumi.cleanup();
    }
  });

  it('names a missing output and what produces it', () => {
    expect(() =>
      requireOutput({ agentName: AGENT }, 'smokeFlowName', 'prod', 'turn it on'),
    ).toThrow('stack "prod" has no output "smokeFlowName": turn it on');
  });

  it('refuses a stack name that is not one', async () => {
    await expect(readStackOutputs('dev; rm -rf /', '--agent')).rejects.toThrow(UsageError);
  });
});
