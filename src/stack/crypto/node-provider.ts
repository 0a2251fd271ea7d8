/**
 * The node:crypto back-end (DESIGN.md §3.5). AES block and CTR, SHA-256, HMAC-SHA-256, X25519
 * and randomness come from node:crypto and are required. ChaCha20-Poly1305 and BLAKE2s come
 * from node:crypto only when the running OpenSSL lists them and they pass a known-answer test
 * (Electron's BoringSSL has neither); otherwise from @noble. XChaCha20-Poly1305 and keyed or
 * truncated BLAKE2s always come from @noble: node:crypto has no such thing.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  getCiphers,
  getHashes,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import type { CryptoProvider } from './provider.ts';
import { CryptoError } from './provider.ts';
import { composeProvider, type Primitives } from './compose.ts';
import { createNodeAes128Block } from './aes-block-node.ts';
import { plain } from './checks.ts';
import {
  nobleBlake2s,
  nobleChaCha20Poly1305,
  nobleHmacBlake2s,
  nobleXChaCha20Poly1305,
} from './js-provider.ts';
import { blake2sChecks, chachaChecks, coreChecks, runChecks } from './known-answers.ts';

/** Optional node primitives that may be switched off (e.g. to mimic Electron's BoringSSL in tests). */
export type OptionalNodePrimitive = 'chacha20-poly1305' | 'blake2s';

export interface NodeProviderOptions {
  /** Treat these as absent from node:crypto even if the running OpenSSL has them. */
  disable?: readonly OptionalNodePrimitive[];
}

/** Where each optional primitive comes from, and why. */
export interface NodeProviderDetails {
  chacha20Poly1305: 'node' | 'noble';
  blake2s: 'node' | 'noble';
  reasons: string[];
}

export interface NodeCryptoProvider extends CryptoProvider {
  readonly backend: 'node';
  readonly details: NodeProviderDetails;
}

// DER prefixes for raw 32-byte X25519 keys (RFC 8410 §7 / §10.3, OID 1.3.101.110).
const X25519_PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);
const X25519_SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
]);

function withPrefix(prefix: Uint8Array, raw: Uint8Array): Uint8Array {
  const der = new Uint8Array(prefix.length + raw.length);
  der.set(prefix);
  der.set(raw, prefix.length);
  return der;
}

function x25519PrivateKeyObject(raw: Uint8Array) {
  return createPrivateKey({
    key: Buffer.from(withPrefix(X25519_PKCS8_PREFIX, raw)),
    format: 'der',
    type: 'pkcs8',
  });
}

function nodeX25519PublicKey(privateKey: Uint8Array): Uint8Array {
  const der = createPublicKey(x25519PrivateKeyObject(privateKey)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

function nodeX25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  try {
    const pub = createPublicKey({
      key: Buffer.from(withPrefix(X25519_SPKI_PREFIX, publicKey)),
      format: 'der',
      type: 'spki',
    });
    return plain(diffieHellman({ privateKey: x25519PrivateKeyObject(privateKey), publicKey: pub }));
  } catch (e) {
    // OpenSSL refuses the all-zero result itself (RFC 7748 §6.1); report it as ours.
    throw new CryptoError(
      `X25519 failed, most likely a low-order public key: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

const nodeChaCha20Poly1305: Primitives['chacha20Poly1305'] = {
  seal(key, nonce, plaintext, aad) {
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    c.setAAD(aad, { plaintextLength: plaintext.length });
    const head = c.update(plaintext);
    const tail = c.final();
    const tag = c.getAuthTag();
    const out = new Uint8Array(head.length + tail.length + tag.length);
    out.set(head);
    out.set(tail, head.length);
    out.set(tag, head.length + tail.length);
    return out;
  },
  open(key, nonce, sealed, aad) {
    const ctLength = sealed.length - 16;
    const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    d.setAAD(aad, { plaintextLength: ctLength });
    d.setAuthTag(sealed.subarray(ctLength));
    const head = d.update(sealed.subarray(0, ctLength));
    try {
      d.final(); // OpenSSL compares the tag in constant time and throws on mismatch
    } catch {
      head.fill(0);
      return null;
    }
    return new Uint8Array(head);
  },
};

function nodeBlake2s(data: Uint8Array, outLength: number, key: Uint8Array): Uint8Array {
  // node:crypto offers only unkeyed BLAKE2s-256.
  if (outLength === 32 && key.length === 0) return plain(createHash('blake2s256').update(data).digest());
  return nobleBlake2s(data, outLength, key);
}

function nodeHmacBlake2s(key: Uint8Array, data: Uint8Array): Uint8Array {
  return plain(createHmac('blake2s256', key).update(data).digest());
}

function nodePrimitives(useNodeChaCha: boolean, useNodeBlake2s: boolean): Primitives {
  return {
    backend: 'node',
    aes128: createNodeAes128Block,
    aes128Ctr(key, counterBlock, data) {
      const c = createCipheriv('aes-128-ctr', key, counterBlock);
      const head = c.update(data);
      const tail = c.final();
      if (tail.length === 0) return plain(head);
      const out = new Uint8Array(head.length + tail.length);
      out.set(head);
      out.set(tail, head.length);
      return out;
    },
    sha256: (data) => plain(createHash('sha256').update(data).digest()),
    hmacSha256: (key, data) => plain(createHmac('sha256', key).update(data).digest()),
    blake2s: useNodeBlake2s ? nodeBlake2s : nobleBlake2s,
    hmacBlake2s: useNodeBlake2s ? nodeHmacBlake2s : nobleHmacBlake2s,
    chacha20Poly1305: useNodeChaCha ? nodeChaCha20Poly1305 : nobleChaCha20Poly1305,
    xchacha20Poly1305: nobleXChaCha20Poly1305,
    x25519PublicKey: nodeX25519PublicKey,
    x25519: nodeX25519,
    randomBytes: (n) => plain(randomBytes(n)),
    timingSafeEqual: (a, b) => a.length === b.length && timingSafeEqual(a, b),
  };
}

function listed(list: () => string[], name: string): boolean {
  try {
    return list().includes(name);
  } catch {
    return false;
  }
}

/**
 * The node:crypto back-end. Throws CryptoError when a required primitive is missing or fails
 * its known-answer test (select-provider.ts then falls back to the js back-end).
 */
export function createNodeProvider(options: NodeProviderOptions = {}): NodeCryptoProvider {
  const disabled = new Set(options.disable ?? []);
  const reasons: string[] = [];

  const required: [string, () => string[], string][] = [
    ['aes-128-ecb', getCiphers, 'cipher'],
    ['aes-128-ctr', getCiphers, 'cipher'],
    ['sha256', getHashes, 'hash'],
  ];
  const missing = required.filter(([name, list]) => !listed(list, name)).map(([n, , k]) => `${k} ${n}`);
  if (missing.length > 0) throw new CryptoError(`node:crypto lacks ${missing.join(', ')}`);

  const core = composeProvider(nodePrimitives(false, false));
  const coreFailures = runChecks(coreChecks(core));
  if (coreFailures.length > 0) {
    throw new CryptoError(`node:crypto failed self-tests: ${coreFailures.join('; ')}`);
  }

  let useChaCha = false;
  if (disabled.has('chacha20-poly1305')) {
    reasons.push('chacha20-poly1305: disabled by option, using @noble/ciphers');
  } else if (!listed(getCiphers, 'chacha20-poly1305')) {
    reasons.push('chacha20-poly1305: not in crypto.getCiphers(), using @noble/ciphers');
  } else {
    const failures = runChecks(chachaChecks(composeProvider(nodePrimitives(true, false))));
    useChaCha = failures.length === 0;
    reasons.push(
      useChaCha
        ? 'chacha20-poly1305: node:crypto (listed, RFC 8439 known answer passed)'
        : `chacha20-poly1305: node:crypto failed its self-test (${failures.join('; ')}), using @noble/ciphers`,
    );
  }

  let useBlake2s = false;
  if (disabled.has('blake2s')) {
    reasons.push('blake2s: disabled by option, using @noble/hashes');
  } else if (!listed(getHashes, 'blake2s256')) {
    reasons.push('blake2s: blake2s256 not in crypto.getHashes(), using @noble/hashes');
  } else {
    const failures = runChecks(blake2sChecks(composeProvider(nodePrimitives(false, true))));
    useBlake2s = failures.length === 0;
    reasons.push(
      useBlake2s
        ? 'blake2s: node:crypto for unkeyed BLAKE2s-256 and HMAC (listed, known answers passed); keyed/truncated via @noble/hashes'
        : `blake2s: node:crypto failed its self-test (${failures.join('; ')}), using @noble/hashes`,
    );
  }
  reasons.push('xchacha20-poly1305: @noble/ciphers (not in node:crypto)');

  const provider = composeProvider(nodePrimitives(useChaCha, useBlake2s));
  const details: NodeProviderDetails = {
    chacha20Poly1305: useChaCha ? 'node' : 'noble',
    blake2s: useBlake2s ? 'node' : 'noble',
    reasons,
  };
  return { ...provider, backend: 'node', details };
}
