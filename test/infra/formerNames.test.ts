import type * as pulumi from '@pulumi/pulumi';
import { runStack } from '../helpers/infra';
import FORMER_URNS from './fixtures/former-urns.json';

// Components that hold a physical name are named by it, so their resources' URNs changed; the URNs
// a deployed stack holds are in fixtures/former-urns.json, recorded from the program before. Pulumi
// replaces a resource whose URN changes unless it is found under an alias: one a component sets, and
// one each child inherits from its parent's, its name's prefix swapped for the parent's former name
// when it starts with the parent's name. The engine computes them (pulumi/pulumi pkg/resource/
// deploy/step_generator.go, generateAliases and inheritedChildAlias), the mocks do not; the SDK's
// public `allAliases` computes them the same way for engines without alias specs, so this asks it
// for every resource the program constructs and checks that every former URN is found, once.

/** The URN and aliases of everything the program constructs for a stage, in the engine's form. */
async function urnsAndAliases(stack: string, overrides: Record<string, string>, keys: string[]) {
  // The URN is set after the transformations run: read it once the program has run.
  const found: (() => pulumi.Output<string[]>)[] = [];
  // The run's own SDK computes the aliases: URNs name the stack and project it was set up with.
  const names = new Map<pulumi.Resource, string>();
  await runStack(stack, overrides, {
    secretKeys: keys,
    onConstructed: ({ resource, type, name, opts }, { all, allAliases, createUrn }) => {
      names.set(resource, name);
      const aliases = opts.parent
        ? allAliases(opts.aliases ?? [], name, type, opts.parent, names.get(opts.parent) ?? '')
        : (opts.aliases ?? []).map((a) => createUrn((a as pulumi.Alias).name ?? name, type));
      found.push(() => all([resource.urn, ...aliases]));
    },
  });
  // The mock monitor puts the root stack in its children's URNs; the engine does not.
  const engineForm = (urn: string) => urn.replace('::pulumi:pulumi:Stack$', '::');
  const resolved = await Promise.all(
    found.map((o) => new Promise<string[]>((resolve) => o().apply(resolve))),
  );
  return resolved.map((urns) => urns.map(engineForm));
}

// Between them the two runs construct every component and resource type the program has.
const STAGES: [keyof typeof FORMER_URNS, string, Record<string, string>, string[]][] = [
  ['dev stack', 'dev', {}, []],
  [
    'prod stack, function target, header auth',
    'prod',
    { target: 'function', auth: 'header', headerSecret: 'x-secret-value' },
    ['headerSecret'],
  ],
];

describe('a stack deployed before the renames', () => {
  it.each(STAGES)(
    'keeps every resource: each former URN is found once (%s)',
    async (label, stack, overrides, secretKeys) => {
      const resources = await urnsAndAliases(stack, overrides, secretKeys);
      const matches = (urn: string) => resources.filter((r) => r.includes(urn)).length;
      expect(FORMER_URNS[label].filter((urn) => matches(urn) !== 1)).toEqual([]);
    },
    60_000,
  );
});
