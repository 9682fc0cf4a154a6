// Session names for the tools' conversations. session.proto (DetectIntentRequest.session, v3 and
// v3beta1): "The length of the Session ID must not exceed 36 characters."
import { randomBytes } from 'node:crypto';

export const SESSION_ID_MAX_LENGTH = 36;

/**
 * `<agent>/sessions/<prefix>-<random hex>`, the ID exactly 36 characters long: the prefix says in
 * the service's logs which tool opened the session, the rest makes it a fresh one.
 */
export function newSession(agent: string, prefix: string): string {
  const random = SESSION_ID_MAX_LENGTH - prefix.length - 1;
  // At least 96 random bits, so two runs never share a session.
  if (random < 24) throw new Error(`session prefix "${prefix}" leaves too little room`);
  const hex = randomBytes(Math.ceil(random / 2))
    .toString('hex')
    .slice(0, random);
  return `${agent}/sessions/${prefix}-${hex}`;
}
