import { createHmac } from 'node:crypto';

const b64url = (value: object | string) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** An unsigned token (`alg: none`), as an attacker would send it. */
export function unsignedToken(claims: object, kid?: string): string {
  return `${b64url({ alg: 'none', typ: 'JWT', kid })}.${b64url(claims)}.`;
}

/** An HS256 token keyed with `secret`: the classic attack uses the server's public key here. */
export function hs256Token(claims: object, secret: string, kid?: string): string {
  const signed = `${b64url({ alg: 'HS256', typ: 'JWT', kid })}.${b64url(claims)}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}

/** The same token with its payload replaced and the original signature kept. */
export function withPayload(token: string, claims: object): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64url(claims)}.${signature}`;
}

/** What Cloud Run forwards after its invoker check: the signature replaced by a marker. */
export function stripped(token: string): string {
  const [header, payload] = token.split('.');
  return `${header}.${payload}.SIGNATURE_REMOVED_BY_GOOGLE`;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
