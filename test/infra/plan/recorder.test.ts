import { join } from 'node:path';
import type { ProgramRun } from '../../../infra/plan/recorder';
import { appearsInPlaintext } from '../../helpers/infra';

// The recorder reads the program through Pulumi's public API only; these are the engine's rules it
// must reproduce (the SDK's resource.ts and dependsOn.ts: `protect` inherited from the parent, a
// dependency on a component meaning its custom resources, an input's source as a dependency).

const PROGRAM = join(__dirname, 'fixtures', 'program.ts');

async function record(): Promise<ProgramRun> {
  let run: ProgramRun | undefined;
  await jest.isolateModulesAsync(async () => {
    const { runProgram } =
      require('../../../infra/plan/recorder') as typeof import('../../../infra/plan/recorder');
    run = await runProgram({ stack: 'test', config: {}, program: PROGRAM });
  });
  return run as ProgramRun;
}

describe('runProgram', () => {
  let run: ProgramRun;
  const find = (name: string) => {
    const found = run.resources.find((r) => r.name === name);
    if (!found) throw new Error(`no resource ${name}`);
    return found;
  };
  beforeAll(async () => {
    run = await record();
  });

  it('records each resource with its parent and the protect it inherits', () => {
    const group = find('group');
    expect(group).toMatchObject({ custom: false, parent: undefined, options: { protect: true } });
    for (const child of ['group-account', 'group-bucket']) {
      expect(find(child)).toMatchObject({
        custom: true,
        parent: group.urn,
        options: { protect: true },
      });
    }
    expect(find('after').options).toEqual({});
  });

  it("takes a dependency on a component as one on its custom resources, and an input's source", () => {
    expect([...find('after').dependencies].sort()).toEqual(
      [find('group-account').urn, find('group-bucket').urn].sort(),
    );
    expect(find('reader').dependencies).toEqual([find('group-account').urn]);
  });

  it('records retainOnDelete and deletedWith, and keeps secrets marked in the raw inputs', () => {
    expect(find('reader').options).toEqual({
      retainOnDelete: true,
      deletedWith: find('group-account').urn,
    });
    const after = find('after');
    expect(after.inputs.labels).toEqual({ secret: 's3cr3t' });
    expect(appearsInPlaintext(after.rawInputs, 's3cr3t')).toBe(false);
    expect(appearsInPlaintext(after.inputs, 's3cr3t')).toBe(true);
    expect(run.outputs.member).toBe('serviceAccount:group-sa@p.iam.gserviceaccount.com');
  });
});
