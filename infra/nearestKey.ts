/** Edit distances (insertions, deletions, substitutions) from `a` to each prefix of `b`. */
function prefixDistances(a: string, b: string): number[] {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
    }
    previous = current;
  }
  return previous;
}

/**
 * The known key a misspelt one most likely meant, or undefined when none is close, ignoring case:
 * a key that contains, or is contained in, a known key (`webhookTimeout` →
 * `webhookTimeoutSeconds`); else the smallest edit distance, within a third of the key's length;
 * else a misspelt beginning of a known key (`webhookTimout` → `webhookTimeoutSeconds`), within a
 * fifth of the key's length, so a short word never matches the first letters of a key by chance.
 */
export function nearestKey(unknown: string, known: readonly string[]): string | undefined {
  const u = unknown.toLowerCase();
  const containing = known
    .filter((k) => k.toLowerCase().includes(u) || u.includes(k.toLowerCase()))
    .sort((x, y) => Math.abs(x.length - u.length) - Math.abs(y.length - u.length));
  if (containing.length > 0 && u.length >= 3) return containing[0];
  const scored = known.map((key) => {
    const d = prefixDistances(u, key.toLowerCase());
    return { key, whole: d[d.length - 1], prefix: Math.min(...d) };
  });
  const closest = (by: 'whole' | 'prefix', within: number) => {
    const best = scored.reduce((a, b) => (b[by] < a[by] ? b : a));
    return best[by] <= within ? best.key : undefined;
  };
  return (
    closest('whole', Math.max(2, Math.floor(u.length / 3))) ??
    closest('prefix', Math.floor(u.length / 5))
  );
}
