/**
 * Password hashing with scrypt (RFC 7914) from node:crypto.
 *
 * Parameters N = 2^15, r = 8, p = 1, a 16-byte random salt and a 32-byte key: the project's
 * choice, twice the cost Percival's scrypt paper (2009) gave for interactive logins (N = 2^14);
 * OWASP's Password Storage Cheat Sheet now asks for N = 2^17. The hash is encoded with its
 * parameters, in the PHC string format style
 *   $scrypt$ln=15,r=8,p=1$<salt base64url>$<key base64url>
 * so the parameters can be raised later: a stored hash is always verified with the parameters it
 * carries, and `needsRehash` tells the caller to re-hash at the next successful sign-in.
 *
 * scrypt needs 128·N·r bytes for its V array (RFC 7914 §5, scryptROMix): 32 MiB at these
 * parameters, exactly node:crypto's default `maxmem`, and with the working buffers on top Node
 * refuses the call at the default; maxmem is therefore set to twice 128·N·r·p.
 */
import { scrypt, timingSafeEqual } from 'node:crypto';
import type { RandomSource } from './clock.ts';

export interface ScryptParameters {
  /** log2 of the CPU/memory cost N. */
  readonly logN: number;
  readonly r: number;
  readonly p: number;
  readonly saltLength: number;
  readonly keyLength: number;
}

export const DEFAULT_SCRYPT_PARAMETERS: ScryptParameters = {
  logN: 15,
  r: 8,
  p: 1,
  saltLength: 16,
  keyLength: 32,
};

/** Bounds a stored hash may carry; anything outside is refused as corrupt rather than run. */
const MAX_LOG_N = 20;
const MAX_R = 32;
const MAX_P = 16;

const ENCODED =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{22,})$/;

export class PasswordHashFormatError extends Error {
  override name = 'PasswordHashFormatError';
}

function derive(password: string, salt: Uint8Array, params: ScryptParameters): Promise<Buffer> {
  const N = 2 ** params.logN;
  const maxmem = 2 * 128 * N * params.r * params.p;
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFC'),
      salt,
      params.keyLength,
      { N, r: params.r, p: params.p, maxmem },
      (err, key) => (err === null ? resolve(key) : reject(err)),
    );
  });
}

export async function hashPassword(
  password: string,
  random: RandomSource,
  params: ScryptParameters = DEFAULT_SCRYPT_PARAMETERS,
): Promise<string> {
  const salt = random(params.saltLength);
  const key = await derive(password, salt, params);
  return (
    `$scrypt$ln=${String(params.logN)},r=${String(params.r)},p=${String(params.p)}` +
    `$${Buffer.from(salt).toString('base64url')}$${key.toString('base64url')}`
  );
}

interface Decoded {
  readonly params: ScryptParameters;
  readonly salt: Buffer;
  readonly key: Buffer;
}

export function decodePasswordHash(encoded: string): Decoded {
  const m = ENCODED.exec(encoded);
  if (m === null)
    throw new PasswordHashFormatError('password hash is not in the $scrypt$ln=…,r=…,p=…$salt$key format');
  const [logN, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (logN < 1 || logN > MAX_LOG_N || r < 1 || r > MAX_R || p < 1 || p > MAX_P)
    throw new PasswordHashFormatError(
      `scrypt parameters ln=${String(logN)},r=${String(r)},p=${String(p)} out of bounds`,
    );
  const salt = Buffer.from(m[4]!, 'base64url');
  const key = Buffer.from(m[5]!, 'base64url');
  return { params: { logN, r, p, saltLength: salt.length, keyLength: key.length }, salt, key };
}

/** True when `password` matches; compares the derived keys in constant time. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const { params, salt, key } = decodePasswordHash(encoded);
  const candidate = await derive(password, salt, params);
  return candidate.length === key.length && timingSafeEqual(candidate, key);
}

/** True when a stored hash was made with weaker parameters than `target`. */
export function needsRehash(encoded: string, target: ScryptParameters = DEFAULT_SCRYPT_PARAMETERS): boolean {
  const { params } = decodePasswordHash(encoded);
  return (
    params.logN < target.logN ||
    params.r < target.r ||
    params.p < target.p ||
    params.saltLength < target.saltLength ||
    params.keyLength < target.keyLength
  );
}
