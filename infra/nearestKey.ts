/** Edit distance between two strings (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The known key a misspelt one most likely meant, or undefined when none is close. A key that
 * contains, or is contained in, a known key wins (`webhookTimeout` → `webhookTimeoutSeconds`);
 * otherwise the smallest edit distance, ignoring case, within a third of the key's length.
 */
export function nearestKey(unknown: string, known: readonly string[]): string | undefined {
  const u = unknown.toLowerCase();
  const containing = known
    .filter((k) => k.toLowerCase().includes(u) || u.includes(k.toLowerCase()))
    .sort((x, y) => Math.abs(x.length - u.length) - Math.abs(y.length - u.length));
  if (containing.length > 0 && u.length >= 3) return containing[0];
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const distance = editDistance(u, key.toLowerCase());
    if (!best || distance < best.distance) best = { key, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(u.length / 3)) ? best.key : undefined;
}
