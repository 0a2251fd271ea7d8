/**
 * Opaque bearer secrets (session tokens, verification keys, access keys): 32 random bytes
 * (256 bits) rendered base64url without padding (RFC 4648 §5). Only their SHA-256 digest is
 * stored, so a copy of the database does not let anyone sign in or use a grant; a high-entropy
 * random token needs no salt or slow hash, unlike a password.
 */
import { createHash } from 'node:crypto';
import type { RandomSource } from './clock.ts';

export const SECRET_TOKEN_BYTES = 32;
const TOKEN_TEXT = /^[A-Za-z0-9_-]{43}$/;

export function newSecretToken(random: RandomSource): string {
  return Buffer.from(random(SECRET_TOKEN_BYTES)).toString('base64url');
}

/** SHA-256 of the token text, lower-case hex: the value stored and looked up. */
export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Well-formed: 43 base64url characters (32 bytes). A malformed token is never looked up. */
export function isWellFormedToken(token: string): boolean {
  return TOKEN_TEXT.test(token);
}
