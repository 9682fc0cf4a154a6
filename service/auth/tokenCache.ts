import type { TokenClaims } from './claims';

/**
 * Verified ID-token claims keyed by the exact token string. Dialogflow reuses one token for many
 * calls until it expires, so a hit skips a signature check (~160 µs). Entries live until the
 * token's `exp`; only tokens that passed verification are ever stored; the size is bounded, and the
 * oldest entry goes first when it is full.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, TokenClaims & { exp: number }>();

  constructor(
    readonly maxEntries = 512,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(token: string): TokenClaims | undefined {
    const claims = this.entries.get(token);
    if (!claims) return undefined;
    if (claims.exp * 1000 <= this.now()) {
      this.entries.delete(token);
      return undefined;
    }
    return claims;
  }

  set(token: string, claims: TokenClaims): void {
    const exp = claims.exp;
    if (typeof exp !== 'number' || exp * 1000 <= this.now()) return;
    this.entries.delete(token);
    if (this.entries.size >= this.maxEntries) {
      // Map iterates in insertion order: the first key is the oldest entry.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, { ...claims, exp });
  }
}
