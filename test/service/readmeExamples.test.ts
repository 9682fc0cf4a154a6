import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/spawnService';

// A README code block whose info string names a file (```ts service/handlers/greeting.ts) shows
// that file exactly, so the example on the page is code that compiles (npm run typecheck) and
// runs (its test) where the page says to put it.

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/^```ts ([\w./-]+)\n([\s\S]*?)^```$/gm)].map(
  ([, path, code]) => ({ path, code }),
);

describe('the README handler example', () => {
  it('shows a handler and its test', () => {
    expect(blocks.map((b) => b.path)).toEqual([
      'service/handlers/greeting.ts',
      'test/service/handlers/greeting.test.ts',
    ]);
  });

  it.each(blocks)('shows $path as it is in the repository', ({ path, code }) => {
    expect(code).toBe(readFileSync(join(ROOT, path), 'utf8'));
  });
});
