import type * as pulumi from '@pulumi/pulumi';
import type { DialogflowIdentity } from '../../../infra/components/dialogflowIdentity';
import { dialogflowServiceAgent } from '../../../infra/names';

// A service agent the provider reports under another address than the documented one is granted
// as reported (Google is the authority), but the deployer is warned, since the address flows into
// the invoker grant and WEBHOOK_ALLOWED_CALLERS.

const NUMBER = '123456789012';
const documented = dialogflowServiceAgent(NUMBER);

/** Builds the component under Pulumi's mocks with the provider reporting `reported`. */
async function resolve(reported: string): Promise<{ email: string; warnings: string[] }> {
  let result: { email: string; warnings: string[] } | undefined;
  await jest.isolateModulesAsync(async () => {
    const sdk = require('@pulumi/pulumi') as typeof pulumi;
    const warnings: string[] = [];
    jest.spyOn(sdk.log, 'warn').mockImplementation((msg) => {
      warnings.push(msg);
      return Promise.resolve();
    });
    await sdk.runtime.setMocks(
      {
        call: () => ({ number: NUMBER }),
        newResource: (args) => ({
          id: `${args.name}-id`,
          state:
            args.type === 'gcp:projects/serviceIdentity:ServiceIdentity'
              ? { email: reported, member: reported && `serviceAccount:${reported}` }
              : {},
        }),
      },
      'project',
      'stack',
      false,
    );
    const { DialogflowIdentity: Component } =
      require('../../../infra/components/dialogflowIdentity') as {
        DialogflowIdentity: typeof DialogflowIdentity;
      };
    const identity = new Component('agent', { agentProject: 'agent-project' });
    const email = await new Promise<string>((done) => identity.email.apply(done));
    result = { email, warnings };
  });
  if (!result) throw new Error('the component did not resolve');
  return result;
}

it('grants a reported address that differs from the documented one, and warns naming both', async () => {
  const other = 'dialogflow-agent@other.iam.gserviceaccount.com';
  const { email, warnings } = await resolve(other);
  expect(email).toBe(other);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain(other);
  expect(warnings[0]).toContain(documented);
});

it('does not warn when the report is the documented address, or when there is none', async () => {
  expect(await resolve(documented)).toEqual({ email: documented, warnings: [] });
  expect(await resolve('')).toEqual({ email: documented, warnings: [] });
});
