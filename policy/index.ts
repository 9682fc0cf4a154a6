import { PolicyPack } from '@pulumi/policy';
import { POLICIES } from './policies';

// Pulumi runs this file with `--policy-pack policy`; the pack's version comes from package.json.
new PolicyPack('cx-webhook-kit', {
  description: "cx-webhook-kit's security and production invariants",
  enforcementLevel: 'mandatory',
  policies: [...POLICIES],
});
