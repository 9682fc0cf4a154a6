import type * as pulumi from '@pulumi/pulumi';

// The program's components pass their `dependsOn` and provider to no child: they rely on the SDK's
// rules, checked here on the real SDK under its mocks. A child is registered only once its parent's
// URN is known (runtime/resource.js, prepareResource: "Wait for the parent to complete"), and a
// component is registered only once the custom resources it depends on have returned from the
// engine (gatherExplicitDependencies, getAllTransitivelyReferencedResourceURNs), which the engine
// answers once they are created. A child with no provider of its own takes its parent's
// (resource.js, the Resource constructor).

interface Registration {
  readonly name: string;
  readonly provider: string | undefined;
}

async function withMocks(
  build: (sdk: typeof pulumi) => void,
  test: (
    seen: Registration[],
    arrived: (name: string) => Promise<void>,
    release: () => void,
  ) => Promise<void>,
): Promise<void> {
  await jest.isolateModulesAsync(async () => {
    const sdk = require('@pulumi/pulumi') as typeof pulumi;
    const seen: Registration[] = [];
    const waiting = new Map<string, () => void>();
    const arrived = (name: string) =>
      seen.some((r) => r.name === name)
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiting.set(name, resolve));
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    await sdk.runtime.setMocks(
      {
        newResource: async (args) => {
          // The dependency is "being created" until the test releases it.
          if (args.name === 'dep') await released;
          seen.push({ name: args.name, provider: args.provider });
          waiting.get(args.name)?.();
          return { id: `${args.name}-id`, state: {} };
        },
        call: () => ({}),
      },
      'components',
      'test',
      false,
    );
    build(sdk);
    await test(seen, arrived, release);
  });
}

/** A custom resource, a component with one child, and a provider, on the SDK `sdk`. */
function kinds(sdk: typeof pulumi) {
  class Thing extends sdk.CustomResource {
    constructor(name: string, opts?: pulumi.CustomResourceOptions) {
      super('test:index:Thing', name, {}, opts);
    }
  }
  class Group extends sdk.ComponentResource {
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
      super('test:index:Group', name, {}, opts);
      new Thing(`${name}-child`, { parent: this });
      this.registerOutputs({});
    }
  }
  class Provider extends sdk.ProviderResource {
    constructor(name: string) {
      super('test', name, {});
    }
  }
  return { Thing, Group, Provider };
}

/** Lets every pending callback and promise run: event-loop turns, not time. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe("a component's options reach its children", () => {
  it('creates the children of a component only after what the component depends on', async () => {
    await withMocks(
      (sdk) => {
        const { Thing, Group } = kinds(sdk);
        const dep = new Thing('dep');
        new Group('waiting', { dependsOn: [dep] });
        new Group('free');
      },
      async (seen, arrived, release) => {
        await arrived('free-child');
        await settle();
        // A component without the dependency proceeds; the one with it holds its child back.
        expect(seen.map((r) => r.name)).not.toContain('waiting-child');
        release();
        await arrived('waiting-child');
        const order = seen.map((r) => r.name);
        expect(order.indexOf('dep')).toBeLessThan(order.indexOf('waiting'));
        expect(order.indexOf('waiting')).toBeLessThan(order.indexOf('waiting-child'));
      },
    );
  });

  it("gives a child its parent's provider", async () => {
    await withMocks(
      (sdk) => {
        const { Group, Provider } = kinds(sdk);
        const provider = new Provider('special');
        new Group('group', { provider });
      },
      async (seen, arrived) => {
        await arrived('group-child');
        const child = seen.find((r) => r.name === 'group-child');
        expect(child?.provider).toMatch(/::special::special-id$/);
      },
    );
  });
});
