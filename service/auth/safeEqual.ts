import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Comparing HMACs under a per-process random key makes the comparison independent of where the
// strings differ and of their lengths: both digests are always 32 bytes.
const key = randomBytes(32);
const digest = (value: string) => createHmac('sha256', key).update(value, 'utf8').digest();

/** Compares a presented secret with the expected one in constant time, leaking neither content nor length. */
export function safeEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}
