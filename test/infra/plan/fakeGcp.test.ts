import { FakeGcp, fakeProjectNumber } from '../../../infra/plan/fakeGcp';

describe('FakeGcp (the strict mock model)', () => {
  const fake = new FakeGcp();

  it('throws for an invoke it does not model', () => {
    expect(() => fake.call({ token: 'gcp:compute/getNetwork:getNetwork', inputs: {} })).toThrow(
      'unmocked invoke gcp:compute/getNetwork:getNetwork',
    );
  });

  it('throws for a resource type it does not model', () => {
    expect(() =>
      fake.newResource({
        type: 'gcp:projects/iAMMember:IAMMember',
        name: 'x',
        inputs: {},
        custom: true,
      }),
    ).toThrow('FakeGcp has no model for gcp:projects/iAMMember:IAMMember');
  });

  it('refuses a project look-up without a project ID, which would read the ambient default', () => {
    expect(() =>
      fake.call({ token: 'gcp:organizations/getProject:getProject', inputs: {} }),
    ).toThrow('ambient default project');
  });

  it('gives each project a stable 12-digit number', () => {
    expect(fakeProjectNumber('acme')).toMatch(/^\d{12}$/);
    expect(fakeProjectNumber('acme')).toBe(fakeProjectNumber('acme'));
    expect(fakeProjectNumber('acme')).not.toBe(fakeProjectNumber('acme2'));
  });
});
