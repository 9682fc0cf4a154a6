import type { ProgramRun, RecordedResource } from '../../../infra/plan/recorder';
import { renderText, toPlan } from '../../../infra/plan/render';

// A component's `dependsOn` holds its children back (the SDK registers a child after its parent,
// and the parent after what it depends on: @pulumi/pulumi runtime/resource.js prepareResource), so
// the plan shows those waits on each child, apart from the child's own.

const resource = (name: string, extra: Partial<RecordedResource> = {}): RecordedResource => ({
  urn: `urn:pulumi:test::p::${name}`,
  type: extra.custom === false ? 'cx-webhook-kit:infra:ProjectServices' : 'gcp:test/thing:Thing',
  name,
  custom: true,
  inputs: {},
  rawInputs: {},
  dependencies: [],
  options: {},
  ...extra,
});

describe('the plan', () => {
  const apis = resource('apis');
  const wait = resource('wait');
  const outer = resource('outer', { custom: false, dependencies: [apis.urn] });
  const inner = resource('inner', { custom: false, parent: outer.urn, dependencies: [wait.urn] });
  const child = resource('child', { parent: inner.urn, dependencies: [wait.urn] });
  const other = resource('other', { dependencies: [apis.urn] });
  const run: ProgramRun = {
    resources: [apis, wait, outer, inner, child, other],
    invokes: [],
    outputs: {},
  };

  it("shows what a resource's components wait for, apart from its own dependencies", () => {
    const planned = toPlan('test', run).resources;
    const find = (name: string) => planned.find((r) => r.name === name);
    expect(find('child')).toMatchObject({
      dependsOn: ['gcp:test/thing:Thing "wait"'],
      waitsThroughComponent: ['gcp:test/thing:Thing "apis"'],
    });
    expect(find('other')?.waitsThroughComponent).toEqual([]);
  });

  it('renders those waits under their own heading', () => {
    const text = renderText(toPlan('test', run));
    expect(text).toContain(
      [
        '  depends on:',
        '    - gcp:test/thing:Thing "wait"',
        '  waits, through its component, for:',
        '    - gcp:test/thing:Thing "apis"',
      ].join('\n'),
    );
  });
});
