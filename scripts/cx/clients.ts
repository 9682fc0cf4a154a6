// The official v3 clients, loaded on first use: the package takes most of a second to load, which
// `--help` and usage errors should not wait for.
import type * as dialogflow from '@google-cloud/dialogflow-cx';

export type V3 = typeof dialogflow.v3;

let loaded: V3 | undefined;
export function v3Clients(): V3 {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose, see above
  loaded ??= (require('@google-cloud/dialogflow-cx') as typeof dialogflow).v3;
  return loaded;
}
