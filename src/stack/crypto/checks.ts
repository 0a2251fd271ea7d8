import { CryptoError } from './provider.ts';

/** Throws CryptoError unless `bytes` is exactly `length` bytes long. */
export function requireLength(what: string, bytes: Uint8Array, length: number): void {
  if (!(bytes instanceof Uint8Array)) throw new CryptoError(`${what} must be a Uint8Array`);
  if (bytes.length !== length) {
    throw new CryptoError(`${what} must be ${length} bytes, got ${bytes.length}`);
  }
}

/** Throws CryptoError unless `bytes` length is within [min, max]. */
export function requireLengthRange(what: string, bytes: Uint8Array, min: number, max: number): void {
  if (!(bytes instanceof Uint8Array)) throw new CryptoError(`${what} must be a Uint8Array`);
  if (bytes.length < min || bytes.length > max) {
    throw new CryptoError(`${what} must be ${min}..${max} bytes, got ${bytes.length}`);
  }
}

/** A plain Uint8Array view of node's Buffer (or any Uint8Array subclass), so callers never see Buffer. */
export function plain(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
