import type { ResourceValidationArgs } from '@pulumi/policy';
import { previewFeaturesDeclared } from '../../policy/policies';
import { all, runMinimalStack, KEY } from '../helpers/infra';

// @pulumi/gcp marks a Cloud Run container's `sourceCode` "(Optional, Beta)" and documents
// `launchStage` as the way to "allow use of preview features" (cloudrunv2/service.d.ts): a service
// deployed without a build that declares no preview stage is refused by Cloud Run's API.

const RUN = 'gcp:cloudrunv2/service:Service';

/** Calls the policy as @pulumi/policy's analyzer server does: validateResource(args, report). */
function violations(type: string, props: Record<string, unknown>): string[] {
  const found: string[] = [];
  const args = { type, props, name: 'svc', urn: `urn:pulumi:s::p::${type}::svc` };
  for (const validate of [previewFeaturesDeclared.validateResource ?? []].flat()) {
    void validate(args as unknown as ResourceValidationArgs, (message) => found.push(message));
  }
  return found;
}

const fromSource = (launchStage?: string) => ({
  ...(launchStage ? { launchStage } : {}),
  template: { containers: [{ image: 'scratch', sourceCode: { cloudStorageSource: {} } }] },
});

describe('preview-features-declared', () => {
  it.each([undefined, 'GA'])('refuses a service run from source with launch stage %s', (stage) => {
    expect(violations(RUN, fromSource(stage))).toEqual([
      `${RUN} "svc" uses sourceCode but declares launchStage ${JSON.stringify(stage)}: set launchStage: "BETA".`,
    ]);
  });

  it.each(['BETA', 'ALPHA'])('admits one that declares %s', (stage) => {
    expect(violations(RUN, fromSource(stage))).toEqual([]);
  });

  it('leaves a service built from an image alone', () => {
    expect(
      violations(RUN, { template: { containers: [{ image: 'us-docker.pkg.dev/x/y' }] } }),
    ).toEqual([]);
  });

  it('holds for the service the program declares', async () => {
    const run = await runMinimalStack('fixture-policy', {
      [KEY('webhookProject')]: 'fixture-policy-1',
      [KEY('createAgent')]: true,
      [KEY('profile')]: 'dev',
    });
    const services = all(run, RUN);
    expect(services.length).toBe(1);
    for (const service of services) expect(violations(RUN, service.inputs)).toEqual([]);
  }, 60_000);
});
