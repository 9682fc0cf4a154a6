/**
 * A request field cut to `max` characters, an ellipsis marking the cut: a request may hold a 1 MB
 * tag, and Cloud Logging drops a whole entry over 256 KB.
 */
export const clip = (value: string | undefined, max = 200): string | undefined =>
  value === undefined || value.length <= max ? value : `${value.slice(0, max)}…`;
