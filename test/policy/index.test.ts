import { PolicyPack } from '@pulumi/policy';
import '../../policy/index';
import { POLICIES } from '../../policy/policies';

// The policies set no level of their own, so the pack's is theirs (@pulumi/policy server.js: a
// policy's enforcementLevel wins, the pack's applies otherwise): a pack built with a lower one
// would only warn where the kit means to stop a deployment.
jest.mock('@pulumi/policy', () => ({ PolicyPack: jest.fn() }));

describe('the policy pack as Pulumi runs it (policy/index.ts)', () => {
  it('is built mandatory, with every policy', () => {
    expect(PolicyPack).toHaveBeenCalledTimes(1);
    expect(jest.mocked(PolicyPack).mock.calls[0][1]).toEqual(
      expect.objectContaining({ enforcementLevel: 'mandatory', policies: [...POLICIES] }),
    );
  });
});
