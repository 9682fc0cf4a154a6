/**
 * A deep copy of a JSON tree with one value replaced: the `pick`-th slot (an object's field or an
 * array's item, depth first, counted modulo the number of slots). A tree with no slot comes back
 * as a copy.
 */
export function replaceAt(tree: unknown, pick: number, value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(tree)) as unknown;
  const slots: [Record<string, unknown>, string][] = [];
  const collect = (node: unknown) => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node)) {
      slots.push([node as Record<string, unknown>, key]);
      collect(child);
    }
  };
  collect(copy);
  if (slots.length === 0) return copy;
  const [container, key] = slots[pick % slots.length];
  container[key] = value;
  return copy;
}
