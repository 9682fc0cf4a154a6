import { FakeGcp, fakeProjectNumber } from '../../../infra/plan/fakeGcp';

describe('FakeGcp (the strict mock model)', () => {
  const fake = new FakeGcp();

  it('throws for an invoke it does not model', () => {
    expect(() => fake.call({ token: 'gcp:compute/getNetwork:getNetwork', inputs: {} })).toThrow(
      'unmocked invoke gcp:compute/getNetwork:getNetwork',
    );
  });

  it('throws for a resource type it does not model (authoritative IAM bindings among them)', () => {
    expect(() =>
      fake.newResource({
        type: 'gcp:projects/iAMBinding:IAMBinding',
        name: 'x',
        inputs: {},
        custom: true,
      }),
    ).toThrow('FakeGcp has no model for gcp:projects/iAMBinding:IAMBinding');
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

  describe('the new resource types, strictly', () => {
    const create = (type: string, inputs: Record<string, unknown>) =>
      fake.newResource({ type, name: 'x', inputs, custom: true });

    it('refuses a Sleep without a Go duration', () => {
      expect(() => create('time:index/sleep:Sleep', { createDuration: '30 seconds' })).toThrow(
        'needs a Go duration',
      );
      expect(create('time:index/sleep:Sleep', { createDuration: '1m30s' }).id).toBeDefined();
    });

    it('refuses an IAM member that is not a principal', () => {
      expect(() =>
        create('gcp:projects/iAMMember:IAMMember', { project: 'p', role: 'roles/x', member: 'me' }),
      ).toThrow('bad member me');
      expect(() =>
        create('gcp:projects/iAMMember:IAMMember', { project: 'p', member: 'user:a@b' }),
      ).toThrow('needs role');
    });

    it('refuses a build account that is not a full service account name', () => {
      expect(() =>
        create('gcp:cloudfunctionsv2/function:Function', {
          project: 'p',
          location: 'us-central1',
          name: 'f',
          buildConfig: { serviceAccount: 'b@p.iam.gserviceaccount.com' },
        }),
      ).toThrow('buildConfig.serviceAccount must be a full name');
    });

    it('refuses a CX webhook outside an agent', () => {
      expect(() =>
        create('gcp:diagflow/cxWebhook:CxWebhook', { parent: 'projects/p', displayName: 'w' }),
      ).toThrow('needs an agent name as parent');
    });
  });
});
