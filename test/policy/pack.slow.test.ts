import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import type { ProgramRun, RecordedResource } from '../../infra/plan/recorder';
import { POLICIES } from '../../policy/policies';
import { all, fixtureStack, one, runStack } from '../helpers/infra';
import {
  MANDATORY,
  PACK_DIR,
  startPack,
  type AnalyzedResource,
  type RunningPack,
} from './analyzer';

const RUN = 'gcp:cloudrunv2/service:Service';
const BUCKET = 'gcp:storage/bucket:Bucket';
const WEBHOOK = 'gcp:diagflow/cxWebhook:CxWebhook';
const INVOKER = 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember';
const AGENT = 'gcp:diagflow/cxAgent:CxAgent';
const SECRET = 'gcp:secretmanager/secret:Secret';
const FUNCTION = 'gcp:cloudfunctionsv2/function:Function';

/** The plans the pack must pass: the committed stacks and the variants prod can be deployed as. */
const PLANS: {
  name: string;
  stack: string;
  overrides?: Record<string, string | null>;
  secretKeys?: string[];
  kinds: string[];
}[] = [
  { name: 'dev', stack: 'dev', kinds: [RUN, BUCKET, WEBHOOK, INVOKER, AGENT] },
  { name: 'prod', stack: 'prod', kinds: [RUN, BUCKET, WEBHOOK, INVOKER] },
  {
    name: 'prod, header auth',
    stack: 'prod',
    overrides: { auth: 'header', headerSecret: 'hdr-value-for-the-pack' },
    secretKeys: ['headerSecret'],
    kinds: [RUN, SECRET],
  },
  {
    name: 'prod, function target',
    stack: 'prod',
    overrides: { target: 'function' },
    kinds: [FUNCTION],
  },
  {
    name: 'prod, created agent',
    stack: 'prod',
    overrides: { agentId: null, createAgent: 'true' },
    kinds: [RUN, AGENT],
  },
  { name: 'dev, id-token auth', stack: 'dev', overrides: { auth: 'id-token' }, kinds: [RUN] },
  // Production whatever the stack is called: the committed prod stack file sets profile: prod.
  { name: 'a stack named production, profile prod', stack: 'production', kinds: [RUN, BUCKET] },
];

/**
 * A recorded resource as the engine hands it to a policy pack: inputs with secrets still marked, and
 * the protect option (pkg/resource/deploy/step_generator.go sends `Protect` with every resource).
 */
const analyzed = (r: RecordedResource): AnalyzedResource => ({
  urn: r.urn,
  type: r.type,
  name: r.name,
  props: r.rawInputs,
  parent: r.parent,
  dependencies: r.dependencies,
  protect: r.options.protect ?? false,
});

/** A copy of a recorded resource with its inputs changed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const withProps = (r: RecordedResource, change: (props: any) => void): AnalyzedResource => {
  const props = structuredClone(r.rawInputs);
  change(props);
  return { ...analyzed(r), props };
};

describe("the policy pack, run by Pulumi's policy runner", () => {
  let pack: RunningPack;
  const runs = new Map<string, ProgramRun>();
  const run = (stack: string) => runs.get(stack) as ProgramRun;

  beforeAll(async () => {
    pack = await startPack();
    for (const plan of PLANS) {
      const stackFile = plan.stack === 'production' ? fixtureStack('prod') : undefined;
      runs.set(
        plan.name,
        await runStack(plan.stack, plan.overrides, { secretKeys: plan.secretKeys, stackFile }),
      );
    }
  }, 180_000);
  afterAll(() => pack?.stop());

  it('loads type-checked from its directory and serves every policy as mandatory', () => {
    const manifest = JSON.parse(readFileSync(join(PACK_DIR, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(pack.packName).toBe('cx-webhook-kit');
    expect(pack.version).toBe(manifest.version);
    expect(pack.policies.map((p) => p.name).sort()).toEqual(POLICIES.map((p) => p.name).sort());
    for (const policy of pack.policies) expect(policy.enforcementLevel).toBe(MANDATORY);
    expect(load(readFileSync(join(PACK_DIR, 'PulumiPolicy.yaml'), 'utf8'))).toEqual(
      expect.objectContaining({ runtime: 'nodejs' }),
    );
  });

  it.each(PLANS)(
    'passes every resource the offline plan records for $name, and the stack as a whole',
    async ({ name, kinds }) => {
      const resources = run(name).resources;
      // The pass means something only if the resources the policies read are there.
      for (const type of kinds)
        expect([type, resources.some((r) => r.type === type)]).toEqual([type, true]);
      for (const resource of resources) {
        expect({ urn: resource.urn, diagnostics: await pack.analyze(analyzed(resource)) }).toEqual({
          urn: resource.urn,
          diagnostics: [],
        });
      }
      expect(await pack.analyzeStack(resources.map(analyzed))).toEqual([]);
    },
  );

  const single = async (resource: AnalyzedResource, policy: string) => {
    const found = await pack.analyze(resource);
    // For a resource check the engine knows which resource it asked about; the pack names none.
    expect(found.map((d) => [d.policyName, d.enforcementLevel])).toEqual([[policy, MANDATORY]]);
  };

  it('reports an invoker grant to allUsers (no-public-access)', async () => {
    const invoker = one(run('prod'), INVOKER);
    await single(
      withProps(invoker, (p) => (p.member = 'allUsers')),
      'no-public-access',
    );
  });

  it('reports a source bucket without public access prevention (buckets-private)', async () => {
    const bucket = one(run('prod'), BUCKET);
    await single(
      withProps(bucket, (p) => (p.publicAccessPrevention = 'inherited')),
      'buckets-private',
    );
  });

  it('reports a CX webhook that sends no ID token (cx-webhook-id-token)', async () => {
    const webhook = one(run('prod'), WEBHOOK);
    await single(
      withProps(webhook, (p) => (p.genericWebService.serviceAgentAuth = 'NONE')),
      'cx-webhook-id-token',
    );
  });

  it('reports a service left on the default compute account (runtime-not-default-account)', async () => {
    const service = one(run('prod'), RUN);
    await single(
      withProps(service, (p) => delete p.template.serviceAccount),
      'runtime-not-default-account',
    );
  });

  it('reports a prod service that can be deleted (prod-protected), and not the same in dev', async () => {
    const unprotect = (r: RecordedResource) => ({
      ...withProps(r, (p: { deletionProtection: boolean }) => (p.deletionProtection = false)),
      protect: false,
    });
    await single(unprotect(one(run('prod'), RUN)), 'prod-protected');
    await single(
      unprotect(one(run('a stack named production, profile prod'), RUN)),
      'prod-protected',
    );
    expect(await pack.analyze(unprotect(one(run('dev'), RUN)))).toEqual([]);
  });

  it('reports a prod header secret and function that can be deleted (prod-protected)', async () => {
    const secret = one(run('prod, header auth'), SECRET);
    await single(
      { ...withProps(secret, (p) => delete p.deletionProtection), protect: false },
      'prod-protected',
    );
    await single(
      {
        ...withProps(one(run('prod, function target'), FUNCTION), (p) => delete p.deletionPolicy),
        protect: false,
      },
      'prod-protected',
    );
  });

  it('reports a service that says no profile (prod-protected)', async () => {
    await single(
      withProps(one(run('dev'), RUN), (p) => delete p.labels),
      'prod-protected',
    );
  });

  it('reports an agent a prod stack created and left unprotected (prod-stack-protected)', async () => {
    const resources = run('prod, created agent').resources;
    const agent = one(run('prod, created agent'), AGENT);
    const found = await pack.analyzeStack(
      resources.map((r) => (r === agent ? { ...analyzed(r), protect: false } : analyzed(r))),
    );
    expect(found.map((d) => [d.policyName, d.enforcementLevel, d.urn])).toEqual([
      ['prod-stack-protected', MANDATORY, agent.urn],
    ]);
  });

  it('reports a service with the invoker check off that trusts the platform (invoker-check-off-verifies-tokens)', async () => {
    await single(
      withProps(one(run('prod'), RUN), (p) => (p.invokerIamDisabled = true)),
      'invoker-check-off-verifies-tokens',
    );
  });

  it('reports a CX webhook that does not wait for the invoker grant (cx-webhook-after-invoker-grant)', async () => {
    const resources = run('prod').resources;
    const invoker = one(run('prod'), INVOKER);
    // Cut every path from the webhook to the grant.
    const cut = resources.map((r) => ({
      ...analyzed(r),
      dependencies: r.dependencies.filter((d) => d !== invoker.urn),
    }));
    const found = await pack.analyzeStack(cut);
    expect(found.map((d) => [d.policyName, d.enforcementLevel])).toEqual([
      ['cx-webhook-after-invoker-grant', MANDATORY],
    ]);
    expect(found[0].urn).toBe(all(run('prod'), WEBHOOK)[0].urn);
  });
});
