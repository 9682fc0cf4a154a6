import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The documentation a person reads: the README guide and the reference in docs/. */
export const DOC_FILES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

export const readDoc = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

/**
 * The section under the heading whose text is `title` (any level), up to the next heading of the
 * same or a higher level, in whichever documentation file holds it.
 */
export function docSection(title: string): string {
  for (const file of DOC_FILES) {
    const text = readDoc(file);
    const heading = new RegExp(`^(#+) ${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').exec(
      text,
    );
    if (!heading) continue;
    const rest = text.slice(heading.index + heading[0].length);
    const next = new RegExp(`^#{1,${heading[1].length}} `, 'm').exec(rest);
    return heading[0] + rest.slice(0, next ? next.index : undefined);
  }
  throw new Error(`no documentation file has a heading "${title}"`);
}
