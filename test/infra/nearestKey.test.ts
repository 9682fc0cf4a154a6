import { CONFIG_KEYS } from '../../infra/config';
import { nearestKey } from '../../infra/nearestKey';

describe('nearestKey', () => {
  it.each([
    ['webhookTimeout', 'webhookTimeoutSeconds'],
    ['webhookTimout', 'webhookTimeoutSeconds'],
    ['webhookTimoutSecs', 'webhookTimeoutSeconds'],
    ['deletionprotection', 'deletionProtection'],
    ['minInstance', 'minInstances'],
    ['agentProjet', 'agentProject'],
    ['alertz', 'alerts'],
  ])('suggests %s → %s', (typed, meant) => {
    expect(nearestKey(typed, CONFIG_KEYS)).toBe(meant);
  });

  it.each(['colour', 'foo', 'zz', 'retries', 'project-id', 'webhookUrlOverride', 'maxRetries'])(
    'suggests nothing for %s, which is no misspelling of a setting',
    (typed) => {
      expect(nearestKey(typed, CONFIG_KEYS)).toBeUndefined();
    },
  );
});
