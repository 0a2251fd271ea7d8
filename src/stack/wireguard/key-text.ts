/**
 * WireGuard keys as text: standard base64 (RFC 4648 §4) of the 32 bytes, 44 characters ending in
 * one "=" (wg(8): "keys … are base64-encoded"; wireguard-tools `key_from_base64` accepts exactly
 * that shape). Decoding is strict: canonical padding bits only, so one key has one spelling.
 */
import { KEY_LENGTH } from './constants.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** 32 bytes → 43 significant characters + "=". */
const KEY_TEXT_LENGTH = 44;

export function encodeKeyBase64(key: Uint8Array): string {
  if (key.length !== KEY_LENGTH) throw new RangeError('key must be 32 bytes');
  let out = '';
  for (let i = 0; i < key.length; i += 3) {
    const a = key[i]!;
    const b = key[i + 1];
    const c = key[i + 2];
    out += ALPHABET[a >> 2]!;
    out += ALPHABET[((a & 3) << 4) | ((b ?? 0) >> 4)]!;
    out += b === undefined ? '=' : ALPHABET[((b & 15) << 2) | ((c ?? 0) >> 6)]!;
    out += c === undefined ? '=' : ALPHABET[c & 63]!;
  }
  return out;
}

/** The 32-byte key, or null when `text` is not exactly a canonical base64 32-byte key. */
export function decodeKeyBase64(text: string): Uint8Array | null {
  if (text.length !== KEY_TEXT_LENGTH || text[KEY_TEXT_LENGTH - 1] !== '=') return null;
  const values: number[] = [];
  for (let i = 0; i < KEY_TEXT_LENGTH - 1; i++) {
    const v = ALPHABET.indexOf(text[i]!);
    if (v < 0) return null;
    values.push(v);
  }
  // 43 sextets = 258 bits: the last two bits must be zero (canonical form).
  if ((values[42]! & 3) !== 0) return null;
  const out = new Uint8Array(KEY_LENGTH);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const v of values) {
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o < KEY_LENGTH) out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}
