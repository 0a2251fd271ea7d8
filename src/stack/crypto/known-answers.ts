/**
 * Known-answer self-tests run when a back-end is constructed, so a runtime whose node:crypto
 * lacks or mis-implements a primitive (Electron's BoringSSL, FIPS builds) is detected at
 * start-up rather than on the first frame. Each returns null on success or a reason.
 */
import type { CryptoProvider } from './provider.ts';

function hex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

type Check = () => string | null;

function expect(name: string, got: () => Uint8Array | null, want: string): Check {
  return () => {
    try {
      const g = got();
      if (g === null) return `${name}: returned null`;
      return toHex(g) === want ? null : `${name}: wrong answer`;
    } catch (e) {
      return `${name}: ${e instanceof Error ? e.message : String(e)}`;
    }
  };
}

const RFC8439_KEY = '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f';
const RFC8439_NONCE = '070000004041424344454647';
const RFC8439_AAD = '50515253c0c1c2c3c4c5c6c7';
const RFC8439_PT = ascii(
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
);
const RFC8439_SEALED =
  'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b' +
  '1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc' +
  '3ff4def08e4b7a9de576d26586cec64b6116' +
  '1ae10b594f09e26a7e902ecbd0600691';

/** Required node primitives: AES block (FIPS-197 C.1), AES-CTR (SP 800-38A F.5.1), SHA-256 (FIPS 180-2 "abc"), HMAC-SHA-256 (RFC 4231 TC 2), X25519 (RFC 7748 §5.2). */
export function coreChecks(p: CryptoProvider): Check[] {
  return [
    expect(
      'AES-128 block (FIPS-197 C.1)',
      () =>
        p
          .aes128(hex('000102030405060708090a0b0c0d0e0f'))
          .encryptBlock(hex('00112233445566778899aabbccddeeff')),
      '69c4e0d86a7b0430d8cdb78070b4c55a',
    ),
    expect(
      'AES-128-CTR (SP 800-38A F.5.1)',
      () =>
        p.aes128Ctr(
          hex('2b7e151628aed2a6abf7158809cf4f3c'),
          hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'),
          hex('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51'),
        ),
      '874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff',
    ),
    expect(
      'SHA-256 (FIPS 180-2 "abc")',
      () => p.sha256(ascii('abc')),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    ),
    expect(
      'HMAC-SHA-256 (RFC 4231 test case 2)',
      () => p.hmacSha256(ascii('Jefe'), ascii('what do ya want for nothing?')),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    ),
    expect(
      'X25519 (RFC 7748 §5.2 first vector)',
      () =>
        p.x25519(
          hex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'),
          hex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'),
        ),
      'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
    ),
    expect(
      'X25519 public key (RFC 7748 §6.1 Alice)',
      () => p.x25519PublicKey(hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')),
      '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
    ),
  ];
}

/** ChaCha20-Poly1305: RFC 8439 §2.8.2, seal and open. */
export function chachaChecks(p: CryptoProvider): Check[] {
  return [
    expect(
      'ChaCha20-Poly1305 seal (RFC 8439 §2.8.2)',
      () => p.chacha20Poly1305Seal(hex(RFC8439_KEY), hex(RFC8439_NONCE), RFC8439_PT, hex(RFC8439_AAD)),
      RFC8439_SEALED,
    ),
    expect(
      'ChaCha20-Poly1305 open (RFC 8439 §2.8.2)',
      () =>
        p.chacha20Poly1305Open(hex(RFC8439_KEY), hex(RFC8439_NONCE), hex(RFC8439_SEALED), hex(RFC8439_AAD)),
      toHex(RFC8439_PT),
    ),
  ];
}

/** BLAKE2s-256: RFC 7693 Appendix B ("abc"); HMAC-BLAKE2s through WireGuard's KDF (wireguard-go device/kdf_test.go). */
export function blake2sChecks(p: CryptoProvider): Check[] {
  return [
    expect(
      'BLAKE2s-256 (RFC 7693 Appendix B)',
      () => p.blake2s(ascii('abc')),
      '508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982',
    ),
    expect(
      'HMAC-BLAKE2s (wireguard-go kdf_test.go, τ1 of the first vector)',
      () => p.hkdfBlake2s(ascii('test-key'), ascii('test-input'), 1)[0] ?? null,
      '6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633',
    ),
  ];
}

/** Runs the checks; returns the failure reasons (empty when all pass). */
export function runChecks(checks: Check[]): string[] {
  const failures: string[] = [];
  for (const c of checks) {
    const r = c();
    if (r !== null) failures.push(r);
  }
  return failures;
}
