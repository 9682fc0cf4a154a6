import { composeHandlers, servedTags } from '../../service/composition';
import { SMOKE_TAG } from '../../service/smoke';

// The one composition root, whatever handlers a team has (the example handlers' own wiring is
// tested with them, in test/service/handlers/).

const DEPLOYED = { K_SERVICE: 'cx-webhook' };

describe('composeHandlers', () => {
  it('lists every tag it serves, the reserved smoke tag included, without reading the environment', () => {
    // The handler map's tags, whatever handlers a team has: every environment gets the same ones.
    const tags = Object.keys(composeHandlers({}).handlers);
    expect(Object.keys(composeHandlers(DEPLOYED).handlers)).toEqual(tags);
    expect(tags).not.toContain(SMOKE_TAG);
    expect(servedTags()).toEqual([...tags, SMOKE_TAG].sort());
  });
});
