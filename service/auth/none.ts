import type { AuthStrategy } from './strategy';

/** Admits every request. Only for local runs; the service logs a warning at start. */
export const noneStrategy: AuthStrategy = {
  name: 'none',
  cost: 0,
  authenticate: () => ({}),
};
