// A stand-in for Google's token issuer, for local runs and tests: an RSA key made on this machine,
// ID tokens in the shape Dialogflow's service agent presents, and a certs endpoint in the format of
// https://www.googleapis.com/oauth2/v1/certs that the service can be pointed at.
import {
  createHash,
  createSign,
  generateKeyPairSync,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
} from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';

export interface LocalKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicPem: string;
}

/** The service agent a local agent in project 000000000000 would call as. */
export const LOCAL_SERVICE_AGENT = 'service-000000000000@gcp-sa-dialogflow.iam.gserviceaccount.com';

/** Where `npm run simulate -- --sign` and `npm run local-idp` keep the local signing key. */
export const DEFAULT_KEY = '.local/idp/key.pem';

function fromPrivateKey(privateKey: KeyObject): LocalKey {
  const publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  const kid = createHash('sha256').update(publicPem).digest('hex').slice(0, 40);
  return { kid, privateKey, publicPem };
}

export function generateKey(): LocalKey {
  return fromPrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
}

/** Reads the key at `path`, or makes one and saves it there readable by the owner only. */
export function loadOrCreateKey(path: string): LocalKey {
  if (existsSync(path)) return fromPrivateKey(createPrivateKey(readFileSync(path)));
  const key = generateKey();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, key.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  chmodSync(path, 0o600);
  return key;
}

const b64url = (value: object | Buffer): string =>
  (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

/** Signs `claims` as an RS256 JWT whose header names the key's `kid`. */
export function signJwt(key: LocalKey, claims: object, header: object = {}): string {
  const signed = `${b64url({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header })}.${b64url(claims)}`;
  const signature = createSign('RSA-SHA256').update(signed).sign(key.privateKey);
  return `${signed}.${b64url(signature)}`;
}

/**
 * The token as a service behind Cloud Run's IAM invoker check receives it: Cloud Run verifies it,
 * then forwards it with the signature replaced by a marker (cx-protocol.md, "Cloud Run").
 */
export function forwardedByCloudRun(token: string): string {
  const [header, payload] = token.split('.');
  return `${header}.${payload}.SIGNATURE_REMOVED_BY_GOOGLE`;
}

/** Claims like those of a Dialogflow service-agent ID token: one hour of life from `now`. */
export function serviceAgentClaims(
  audience: string,
  overrides: Record<string, unknown> = {},
  now = Date.now(),
) {
  const iat = Math.floor(now / 1000);
  return {
    iss: 'https://accounts.google.com',
    aud: audience,
    azp: '100000000000000000000',
    sub: '100000000000000000000',
    email: LOCAL_SERVICE_AGENT,
    email_verified: true,
    iat,
    exp: iat + 3600,
    ...overrides,
  };
}

/** Serves `{kid: PEM}` for the keys, cacheable for an hour, like Google's endpoint. */
export async function startCertsServer(keys: readonly LocalKey[], port = 0) {
  const body = JSON.stringify(Object.fromEntries(keys.map((k) => [k.kid, k.publicPem])));
  let down = false;
  const server = createServer((req, res) => {
    // While down, the endpoint answers 500, as an outage would.
    if (down) return res.writeHead(500).end();
    if (req.url !== '/certs') return res.writeHead(404).end();
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'public, max-age=3600',
    });
    res.end(body);
  });
  await once(server.listen(port, '127.0.0.1'), 'listening'); // rejects on 'error', e.g. EADDRINUSE
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/certs`,
    setDown: (value: boolean) => void (down = value),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type CertsServer = Awaited<ReturnType<typeof startCertsServer>>;
