import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { DOC_FILES, readDoc } from '../helpers/docs';

// The docs are part of the kit: what they show must be what the repository has.

const ROOT = join(__dirname, '..', '..');
/** Topic files that come with their own changes: a link to one may come before the file does. */
const OURS = [...DOC_FILES, 'CONTRIBUTING.md'];
const SCRIPTS = Object.keys(
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: object }).scripts,
);

/** Headings outside code blocks, as GitHub turns them into anchors. */
function anchors(text: string): string[] {
  const withoutCode = text.replace(/^```[\s\S]*?^```$/gm, '');
  return [...withoutCode.matchAll(/^#+ (.+)$/gm)].map(([, title]) =>
    title
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-'),
  );
}

describe.each(OURS)('%s', (file) => {
  const text = readDoc(file);

  it('shows each file a code block names (```ts <path>) exactly as it is in the repository', () => {
    for (const [, path, code] of text.matchAll(/^```ts ([\w./-]+)\n([\s\S]*?)^```$/gm)) {
      expect([path, code]).toEqual([path, readFileSync(join(ROOT, path), 'utf8')]);
    }
  });

  it('runs only scripts package.json has (npm run <script>)', () => {
    const named = [...text.matchAll(/npm run(?: +(?:-s|--silent))* +([\w:-]+)/g)].map((m) => m[1]);
    for (const script of named) expect([script, SCRIPTS.includes(script)]).toEqual([script, true]);
  });

  it('has no table line wider than a terminal (160 characters)', () => {
    const wide = text.split('\n').filter((line) => line.startsWith('|') && line.length > 160);
    expect(wide).toEqual([]);
  });

  it('links only to files that exist, and to headings they have', () => {
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
      const [path, anchor] = target.split('#');
      const linked = path === '' ? file : normalize(join(dirname(file), path));
      expect([target, existsSync(join(ROOT, linked))]).toEqual([target, true]);
      if (anchor) expect(anchors(readDoc(linked))).toContain(anchor);
    }
  });
});

describe('the documentation', () => {
  it('shows a handler and its test as the files they are', () => {
    const named = OURS.flatMap((f) => [...readDoc(f).matchAll(/^```ts ([\w./-]+)$/gm)]);
    expect(named.length).toBeGreaterThanOrEqual(2);
  });

  it('keeps the README a guide (about 300 lines) with the reference in docs/', () => {
    expect(readDoc('README.md').split('\n').length).toBeLessThanOrEqual(320);
  });
});
