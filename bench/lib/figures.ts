/** The value at quantile q (0–1) of the samples, by linear interpolation. */
export function quantile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return sorted[lo] + (sorted[Math.ceil(pos)] - sorted[lo]) * (pos - lo);
}

export const median = (samples: readonly number[]) => quantile(samples, 0.5);
export const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
export const round = (n: number, digits = 1) => Number(n.toFixed(digits));
export const ratio = (a: number, b: number) => round(a / b, 2);

/** A row of a Markdown table, and a whole table. */
export const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
export const table = (head: string[], rows: (string | number)[][]) =>
  [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
