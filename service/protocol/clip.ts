/**
 * Request fields are logged, and some end up in error messages; a request may hold a 1 MB tag.
 * Cloud Logging drops a whole entry over 256 KB, so each value is cut well short of that.
 */
const MAX_FIELD = 200;

/** The value cut to `max` characters (an ellipsis marks the cut); undefined stays undefined. */
export const clip = (value: string | undefined, max = MAX_FIELD): string | undefined =>
  value === undefined || value.length <= max ? value : `${value.slice(0, max)}…`;
