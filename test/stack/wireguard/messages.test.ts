import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  COOKIE_REPLY_LENGTH,
  HANDSHAKE_INITIATION_LENGTH,
  HANDSHAKE_RESPONSE_LENGTH,
  MESSAGE_TYPE,
  decodeCookieReply,
  decodeHandshakeInitiation,
  decodeHandshakeResponse,
  decodeMessage,
  decodeTransportData,
  encodeCookieReply,
  encodeHandshakeInitiation,
  encodeHandshakeResponse,
  encodeMessage,
  encodeTransportData,
  peekMessageType,
} from '../../../src/stack/wireguard/index.ts';
import { DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';
import { VECTOR } from './vector.ts';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u32 = fc.nat({ max: 0xffffffff });

const initiationArb = fc.record(
  {
    type: fc.constant(MESSAGE_TYPE.HANDSHAKE_INITIATION),
    senderIndex: u32,
    ephemeral: bytes(32),
    encryptedStatic: bytes(48),
    encryptedTimestamp: bytes(28),
    mac1: bytes(16),
    mac2: bytes(16),
  },
  { noNullPrototype: true },
);
const responseArb = fc.record(
  {
    type: fc.constant(MESSAGE_TYPE.HANDSHAKE_RESPONSE),
    senderIndex: u32,
    receiverIndex: u32,
    ephemeral: bytes(32),
    encryptedNothing: bytes(16),
    mac1: bytes(16),
    mac2: bytes(16),
  },
  { noNullPrototype: true },
);
const cookieArb = fc.record(
  {
    type: fc.constant(MESSAGE_TYPE.COOKIE_REPLY),
    receiverIndex: u32,
    nonce: bytes(24),
    encryptedCookie: bytes(32),
  },
  { noNullPrototype: true },
);
const transportArb = fc.record(
  {
    type: fc.constant(MESSAGE_TYPE.TRANSPORT_DATA),
    receiverIndex: u32,
    counter: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
    encryptedPacket: fc.uint8Array({ minLength: 16, maxLength: 200 }),
  },
  { noNullPrototype: true },
);

test('independent vector: the initiation lays out type, reserved, sender index LE and fields', () => {
  const m = decodeHandshakeInitiation(fromHex(VECTOR.initiation));
  assert.equal(m.senderIndex, 0x11223344);
  assert.equal(toHex(m.mac2), '00'.repeat(16));
  assert.equal(toHex(encodeHandshakeInitiation(m)), VECTOR.initiation);
  const r = decodeHandshakeResponse(fromHex(VECTOR.response));
  assert.equal(r.senderIndex, 0x55667788);
  assert.equal(r.receiverIndex, 0x11223344);
  const c = decodeCookieReply(fromHex(VECTOR.cookieReply));
  assert.equal(c.receiverIndex, 0x11223344);
  assert.equal(toHex(c.nonce), VECTOR.cookieNonce);
  const t = decodeTransportData(fromHex(VECTOR.transport));
  assert.equal(t.receiverIndex, 0x55667788);
  assert.equal(t.counter, 7n);
  assert.equal(t.encryptedPacket.length, 48);
});

test('a transport header is type 4, three zeros, receiver index LE, counter u64 LE', () => {
  const enc = encodeTransportData({
    receiverIndex: 0x01020304,
    counter: 0x1122334455667788n,
    encryptedPacket: new Uint8Array(16).fill(0xee),
  });
  assert.equal(toHex(enc.subarray(0, 16)), '04000000' + '04030201' + '8877665544332211');
  assert.equal(enc.length, 32);
});

test('round trips', () => {
  fc.assert(
    fc.property(initiationArb, (m) =>
      assert.deepEqual(decodeHandshakeInitiation(encodeHandshakeInitiation(m)), m),
    ),
  );
  fc.assert(
    fc.property(responseArb, (m) => assert.deepEqual(decodeHandshakeResponse(encodeHandshakeResponse(m)), m)),
  );
  fc.assert(fc.property(cookieArb, (m) => assert.deepEqual(decodeCookieReply(encodeCookieReply(m)), m)));
  fc.assert(
    fc.property(transportArb, (m) => assert.deepEqual(decodeTransportData(encodeTransportData(m)), m)),
  );
  const any = fc.oneof(initiationArb, responseArb, cookieArb, transportArb);
  fc.assert(fc.property(any, (m) => assert.deepEqual(decodeMessage(encodeMessage(m)), m)));
});

test('strict: exact lengths, type, reserved bytes, transport minimum', () => {
  const init = fromHex(VECTOR.initiation);
  assert.throws(
    () => decodeHandshakeInitiation(init.subarray(0, HANDSHAKE_INITIATION_LENGTH - 1)),
    DecodeError,
  );
  assert.throws(() => decodeHandshakeInitiation(new Uint8Array([...init, 0])), DecodeError);
  for (const at of [1, 2, 3]) {
    const bad = init.slice();
    bad[at] = 1;
    assert.throws(() => decodeHandshakeInitiation(bad), /reserved/);
  }
  const wrongType = init.slice();
  wrongType[0] = 2;
  assert.throws(() => decodeHandshakeInitiation(wrongType), DecodeError);
  assert.throws(() => decodeHandshakeResponse(new Uint8Array(HANDSHAKE_RESPONSE_LENGTH + 1)), DecodeError);
  assert.throws(() => decodeCookieReply(new Uint8Array(COOKIE_REPLY_LENGTH - 1)), DecodeError);
  const keepalive = fromHex('04000000' + '00000000' + '0000000000000000' + '00'.repeat(16));
  assert.equal(decodeTransportData(keepalive).encryptedPacket.length, 16);
  assert.throws(() => decodeTransportData(keepalive.subarray(0, 31)), /at least 32/);
  assert.throws(() => peekMessageType(Uint8Array.of(5)), /unknown message type/);
  assert.throws(() => peekMessageType(new Uint8Array(0)), DecodeError);
});

test('encoders refuse unrepresentable values with RangeError', () => {
  const base = {
    senderIndex: 1,
    ephemeral: new Uint8Array(32),
    encryptedStatic: new Uint8Array(48),
    encryptedTimestamp: new Uint8Array(28),
    mac1: new Uint8Array(16),
    mac2: new Uint8Array(16),
  };
  assert.throws(() => encodeHandshakeInitiation({ ...base, senderIndex: 2 ** 32 }), RangeError);
  assert.throws(() => encodeHandshakeInitiation({ ...base, ephemeral: new Uint8Array(31) }), RangeError);
  assert.throws(
    () => encodeTransportData({ receiverIndex: 1, counter: 0n, encryptedPacket: new Uint8Array(15) }),
    RangeError,
  );
  assert.throws(
    () => encodeTransportData({ receiverIndex: 1, counter: 1n << 64n, encryptedPacket: new Uint8Array(16) }),
    RangeError,
  );
});

const samples = {
  initiation: [fromHex(VECTOR.initiation)],
  response: [fromHex(VECTOR.response)],
  cookie: [fromHex(VECTOR.cookieReply)],
  transport: [fromHex(VECTOR.transport), fromHex('04000000' + '00'.repeat(28))],
};

test('fuzz: handshake initiation decoder', () => {
  const { rejected } = fuzzDecoder(decodeHandshakeInitiation, samples.initiation, { runs: 10_000 });
  assert.ok(rejected > 5_000);
});
test('fuzz: handshake response decoder', () => {
  const { rejected } = fuzzDecoder(decodeHandshakeResponse, samples.response, { runs: 10_000 });
  assert.ok(rejected > 5_000);
});
test('fuzz: cookie reply decoder', () => {
  const { rejected } = fuzzDecoder(decodeCookieReply, samples.cookie, { runs: 10_000 });
  assert.ok(rejected > 5_000);
});
test('fuzz: transport data decoder', () => {
  const { accepted, rejected } = fuzzDecoder(decodeTransportData, samples.transport, { runs: 10_000 });
  assert.ok(accepted > 0 && rejected > 0);
});
test('fuzz: message dispatcher', () => {
  fuzzDecoder(
    decodeMessage,
    [...samples.initiation, ...samples.response, ...samples.cookie, ...samples.transport],
    {
      runs: 10_000,
    },
  );
});
