import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  ALL_NODES_LINK_LOCAL,
  addressesEqual,
  encodePacket,
  decodePacket,
  linkLocalFromEui64,
  parseIpv6Address,
} from '../../../src/stack/ipv6/index.ts';
import {
  decodeJoinBeacon,
  encodeJoinBeacon,
  joinBeaconPacket,
  looksLikeJoinBeacon,
  sameJoinNetwork,
  type JoinBeacon,
} from '../../../src/stack/mesh-link/join-beacon.ts';
import { isUnsecuredJoinTraffic } from '../../../src/stack/mesh-link/index.ts';
import { encodeMleUnsecured, MLE_COMMAND } from '../../../src/stack/mle/index.ts';
import { DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';

const BEACON: JoinBeacon = {
  source: 0x02fe51000000fffen,
  panId: 0x7a3c,
  permitJoin: true,
  meshPrefix: parseIpv6Address('2001:db8:1:2::'),
  paaAddress: parseIpv6Address('2001:db8:ffff::716'),
};

test('beacon layout: unsecured MLE Advertisement with Source Address, PAN ID, Permit Join, Beacon Payload', () => {
  const bytes = encodeJoinBeacon(BEACON);
  // Built by hand from the MLE formats (mle/message.ts, mle/tlv.ts): suite 255, command 4, then
  // TLV 0 (8) EUI-64; TLV 7 (7) param 1 delay 0 value 7a3c; TLV 7 (6) param 2 delay 0 value 01;
  // TLV 7 (30) param 3 delay 0 value: version 1 ‖ 20010db800010002 ‖ PAA address.
  const expected =
    'ff04' +
    '0008' +
    '02fe51000000fffe' +
    '0707' +
    '01' +
    '00000000' +
    '7a3c' +
    '0706' +
    '02' +
    '00000000' +
    '01' +
    '071e' +
    '03' +
    '00000000' +
    '01' +
    '20010db800010002' +
    '20010db8ffff00000000000000000716';
  assert.equal(toHex(bytes), expected);
  assert.ok(looksLikeJoinBeacon(bytes), 'recognised as a beacon');
});

test('decode(encode(b)) round-trips and keeps only the /64 of the prefix', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }),
      fc.integer({ min: 0, max: 0xfffe }),
      fc.boolean(),
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      (source, panId, permitJoin, prefix8, paaAddress) => {
        const meshPrefix = new Uint8Array(16);
        meshPrefix.set(prefix8);
        const b: JoinBeacon = { source, panId, permitJoin, meshPrefix, paaAddress };
        assert.deepEqual(decodeJoinBeacon(encodeJoinBeacon(b), source), b);
      },
    ),
    { numRuns: 500 },
  );
  const withHost = { ...BEACON, meshPrefix: parseIpv6Address('2001:db8:1:2::99') };
  const back = decodeJoinBeacon(encodeJoinBeacon(withHost));
  assert.ok(addressesEqual(back.meshPrefix, BEACON.meshPrefix), 'interface bits are not advertised');
  assert.ok(sameJoinNetwork(back, BEACON), 'same PAN, prefix and PAA');
});

test('the beacon datagram is join traffic that an unjoined node accepts unsecured', () => {
  const packet = decodePacket(encodePacket(joinBeaconPacket(BEACON)));
  assert.ok(addressesEqual(packet.source, linkLocalFromEui64(BEACON.source)), 'from the sender link-local');
  assert.ok(addressesEqual(packet.destination, ALL_NODES_LINK_LOCAL), 'to ff02::1');
  assert.equal(packet.hopLimit, 255);
  assert.ok(isUnsecuredJoinTraffic(packet), 'mesh-link admits it in an unsecured frame');
});

test('refused: another sender than the MAC source, secured frames, other commands, missing fields', () => {
  const bytes = encodeJoinBeacon(BEACON);
  assert.throws(() => decodeJoinBeacon(bytes, 0x1234n), /not the MAC source/);
  const secured = bytes.slice();
  secured[0] = 0;
  assert.throws(() => decodeJoinBeacon(secured), DecodeError);
  assert.throws(
    () => decodeJoinBeacon(encodeMleUnsecured({ command: MLE_COMMAND.LINK_REQUEST, tlvs: [] })),
    /not an Advertisement/,
  );
  assert.throws(
    () => decodeJoinBeacon(encodeMleUnsecured({ command: MLE_COMMAND.ADVERTISEMENT, tlvs: [] })),
    /no Source Address/,
  );
  const badVersion = bytes.slice();
  badVersion[badVersion.length - 25] = 2;
  assert.throws(() => decodeJoinBeacon(badVersion), /payload version 2/);
  assert.throws(() => encodeJoinBeacon({ ...BEACON, panId: 0xffff }), RangeError);
  assert.throws(() => encodeJoinBeacon({ ...BEACON, paaAddress: fromHex('00') }), RangeError);
});

test('fuzz: decodeJoinBeacon throws only DecodeError', () => {
  const samples = [encodeJoinBeacon(BEACON), encodeJoinBeacon({ ...BEACON, permitJoin: false, panId: 0 })];
  const { rejected } = fuzzDecoder((b) => decodeJoinBeacon(b, BEACON.source), samples, {
    runs: 10_000,
    maxLength: 120,
  });
  assert.ok(rejected > 0, 'mutations were refused');
});
