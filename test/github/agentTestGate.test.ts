// The conversation gate in the deploy workflows: after `pulumi up` (and the smoke test, where
// there is one), the stack's agent's test cases run, and a failure fails the job. The workflows
// are read as untyped YAML; workflows.test.ts checks them with GitHub's own parser.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

const WORKFLOWS = join(__dirname, '..', '..', '.github', 'workflows');
type Yaml = Record<string, any>;

/** Every job of a deploy workflow that runs `pulumi up`, with the stack it updates. */
function deployJobs() {
  return readdirSync(WORKFLOWS)
    .filter((f) => /^deploy-.*\.ya?ml$/.test(f))
    .flatMap((file) => {
      const workflow = load(readFileSync(join(WORKFLOWS, file), 'utf8')) as Yaml;
      return Object.entries(workflow.jobs as Record<string, Yaml>)
        .map(([id, job]) => {
          const steps = (job.steps ?? []) as Yaml[];
          const up = steps.findIndex(
            (s) => String(s.uses ?? '').startsWith('pulumi/actions@') && s.with?.command === 'up',
          );
          return { file, id, steps, up, stack: steps[up]?.with?.['stack-name'] as string };
        })
        .filter((j) => j.up >= 0);
    });
}

const runs = (step: Yaml, script: string) =>
  new RegExp(`\\bnpm run (--silent )?${script} -- `).test(String(step.run ?? ''));

describe('the conversation gate in the deploy workflows', () => {
  const jobs = deployJobs();

  it('finds the deploy jobs', () => {
    expect(jobs.length).toBeGreaterThanOrEqual(2);
  });

  it.each(jobs.map((j) => [`${j.file} ${j.id}`, j]))(
    '%s runs the stack agent’s test cases after pulumi up and the smoke test, failing the job on a failure',
    (_name, job) => {
      const gate = job.steps.findIndex((s) => runs(s, 'agent:test'));
      expect(gate).toBeGreaterThan(job.up);
      const smoke = job.steps.findIndex((s) => runs(s, 'smoke'));
      if (smoke >= 0) expect(gate).toBeGreaterThan(smoke);
      const step = job.steps[gate];
      // The stack the job deployed, silently (npm's banner would precede the output), with the
      // names of the failed cases in the job summary.
      expect(step.run).toBe(
        `npm run --silent agent:test -- ${job.stack} --summary "$GITHUB_STEP_SUMMARY"`,
      );
      // Nothing lets the job go on past a failure.
      expect(step['continue-on-error']).toBeUndefined();
      expect(step.if).toBeUndefined();
    },
  );
});
