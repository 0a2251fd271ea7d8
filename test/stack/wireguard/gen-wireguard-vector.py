#!/usr/bin/env python3
"""Independent WireGuard handshake vector for test/stack/wireguard/handshake.test.ts.

Written straight from the whitepaper (§5.4.2-§5.4.7) with Python's hashlib BLAKE2s and the
`cryptography` package (X25519, ChaCha20-Poly1305); shares no code with the TypeScript under
test. XChaCha20-Poly1305 is built from HChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2), checked
against that draft's test vector below. Run: python3 gen-wireguard-vector.py
"""
import hashlib, hmac, struct
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization

RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw

def HASH(*parts):
    return hashlib.blake2s(b''.join(parts)).digest()

def MAC(key, data):
    return hashlib.blake2s(data, key=key, digest_size=16).digest()

def HMAC(key, data):
    return hmac.new(key, data, hashlib.blake2s).digest()

def KDF(n, key, data):
    t0 = HMAC(key, data)
    out, prev = [], b''
    for i in range(1, n + 1):
        prev = HMAC(t0, prev + bytes([i]))
        out.append(prev)
    return out

def pub(priv):
    return X25519PrivateKey.from_private_bytes(priv).public_key().public_bytes(*RAW)

def DH(priv, pubk):
    return X25519PrivateKey.from_private_bytes(priv).exchange(X25519PublicKey.from_public_bytes(pubk))

def AEAD(key, counter, pt, ad):
    return ChaCha20Poly1305(key).encrypt(b'\0' * 4 + struct.pack('<Q', counter), pt, ad)

def rotl(v, c):
    return ((v << c) & 0xffffffff) | (v >> (32 - c))

def hchacha20(key, nonce16):
    s = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]
    s += list(struct.unpack('<8I', key)) + list(struct.unpack('<4I', nonce16))
    def qr(a, b, c, d):
        s[a] = (s[a] + s[b]) & 0xffffffff; s[d] = rotl(s[d] ^ s[a], 16)
        s[c] = (s[c] + s[d]) & 0xffffffff; s[b] = rotl(s[b] ^ s[c], 12)
        s[a] = (s[a] + s[b]) & 0xffffffff; s[d] = rotl(s[d] ^ s[a], 8)
        s[c] = (s[c] + s[d]) & 0xffffffff; s[b] = rotl(s[b] ^ s[c], 7)
    for _ in range(10):
        qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15)
        qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14)
    return struct.pack('<8I', *(s[0:4] + s[12:16]))

assert hchacha20(bytes(range(32)), bytes.fromhex('000000090000004a0000000031415927')).hex() == \
    '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc'

def XAEAD(key, nonce24, pt, ad):
    return ChaCha20Poly1305(hchacha20(key, nonce24[:16])).encrypt(b'\0' * 4 + nonce24[16:], pt, ad)

CONSTRUCTION = b'Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s'
IDENTIFIER = b'WireGuard v1 zx2c4 Jason@zx2c4.com'

# Fixed inputs (any 32 bytes are valid X25519 private keys; clamping happens inside).
Si_priv = HASH(b'fieldroot test initiator static')
Sr_priv = HASH(b'fieldroot test responder static')
Ei_priv = HASH(b'fieldroot test initiator ephemeral')
Er_priv = HASH(b'fieldroot test responder ephemeral')
Q = HASH(b'fieldroot test psk')
I_i, I_r = 0x11223344, 0x55667788
TIMESTAMP = struct.pack('>QI', (1 << 62) + 10 + 1700000000, 123000000)
Si_pub, Sr_pub = pub(Si_priv), pub(Sr_priv)

# Message 1 (whitepaper §5.4.2)
Ci = HASH(CONSTRUCTION)
Hi = HASH(Ci, IDENTIFIER)
Hi = HASH(Hi, Sr_pub)
Ei_pub = pub(Ei_priv)
Ci, = KDF(1, Ci, Ei_pub)
Hi = HASH(Hi, Ei_pub)
Ci, k = KDF(2, Ci, DH(Ei_priv, Sr_pub))
static = AEAD(k, 0, Si_pub, Hi)
Hi = HASH(Hi, static)
Ci, k = KDF(2, Ci, DH(Si_priv, Sr_pub))
timestamp = AEAD(k, 0, TIMESTAMP, Hi)
Hi = HASH(Hi, timestamp)
msg = struct.pack('<B3xI', 1, I_i) + Ei_pub + static + timestamp
mac1 = MAC(HASH(b'mac1----', Sr_pub), msg)
msg1 = msg + mac1 + b'\0' * 16

# Message 2 (whitepaper §5.4.3)
Cr, Hr = Ci, Hi
Er_pub = pub(Er_priv)
Cr, = KDF(1, Cr, Er_pub)
Hr = HASH(Hr, Er_pub)
Cr, = KDF(1, Cr, DH(Er_priv, Ei_pub))
Cr, = KDF(1, Cr, DH(Er_priv, Si_pub))
Cr, tau, k = KDF(3, Cr, Q)
Hr = HASH(Hr, tau)
empty = AEAD(k, 0, b'', Hr)
Hr = HASH(Hr, empty)
msg = struct.pack('<B3xII', 2, I_r, I_i) + Er_pub + empty
mac1r = MAC(HASH(b'mac1----', Si_pub), msg)
msg2 = msg + mac1r + b'\0' * 16

# Transport keys (§5.4.5) and one packet initiator -> responder, counter 7 (§5.4.6)
T_send_i, T_recv_i = KDF(2, Cr, b'')
packet = bytes(range(20)) + b'\0' * 12           # 20-byte packet padded to 32
msg4 = struct.pack('<B3xIQ', 4, I_r, 7) + AEAD(T_send_i, 7, packet, b'')

# Cookie reply to message 1 (§5.4.7) and the mac2 the initiator then puts on message 1
secret = HASH(b'fieldroot test cookie secret')
source = bytes([192, 0, 2, 1]) + struct.pack('>H', 51820)
cookie = MAC(secret, source)
nonce = HASH(b'fieldroot test cookie nonce')[:24]
msg3 = struct.pack('<B3xI', 3, I_i) + nonce + XAEAD(HASH(b'cookie--', Sr_pub), nonce, cookie, mac1)
mac2 = MAC(cookie, msg1[:132])

for name, value in [
    ('initiatorStaticPrivate', Si_priv), ('responderStaticPrivate', Sr_priv),
    ('initiatorEphemeralPrivate', Ei_priv), ('responderEphemeralPrivate', Er_priv),
    ('presharedKey', Q), ('timestamp', TIMESTAMP), ('initiation', msg1), ('response', msg2),
    ('initiatorSendKey', T_send_i), ('initiatorReceiveKey', T_recv_i), ('transport', msg4),
    ('cookieSecret', secret), ('cookieSource', source), ('cookie', cookie), ('cookieNonce', nonce),
    ('cookieReply', msg3), ('mac2WithCookie', mac2),
]:
    print(f"  {name}: '{value.hex()}',")
