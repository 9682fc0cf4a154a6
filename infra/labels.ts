import type { Profile } from './config';

/**
 * The label that says which stage profile a resource was deployed with. The policy pack's
 * `prod-protected` reads it, so production is recognised by what the program declares, whatever the
 * stack is called. Key and value follow Google Cloud's label rules (lowercase letters, digits, `_`
 * and `-`; the key starts with a letter; at most 63 characters each).
 */
export const PROFILE_LABEL = 'cx-webhook-kit-profile';

/** The labels the program puts on every resource it creates that takes labels. */
export function stageLabels(profile: Profile): Readonly<Record<string, string>> {
  return Object.freeze({ [PROFILE_LABEL]: profile });
}
