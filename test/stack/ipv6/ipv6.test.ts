import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import {
  ALL_RPL_NODES,
  MULTICAST_SCOPE,
  decodeIcmpv6,
  decodeIpv6Header,
  decodeOptionsHeader,
  decodePacket,
  decodeRoutingHeader,
  decodeUdp,
  encodeIcmpv6,
  encodeIpv6Header,
  encodeOptionsHeader,
  encodePacket,
  encodeRoutingHeader,
  encodeUdp,
  formatIpv6Address,
  iidFromEui64,
  isLinkLocalScope,
  linkLocalFromEui64,
  linkLocalFromShortAddress,
  multicastScope,
  parseIpv6Address,
  pseudoHeaderChecksum,
  type Icmpv6Message,
  type Ipv6Option,
  type Ipv6Packet,
  type SourceRouteHeader,
} from '../../../src/stack/ipv6/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';
import { LINKTYPE_IPV6, tsharkFields } from './tshark-local.ts';
import { arbitraryPacket, meshAddr, rplOption, unknownOption } from './arbitraries.ts';

const A = parseIpv6Address;
const isDecodeError = (e: unknown) => e instanceof DecodeError;

// ---------------------------------------------------------------------------------------------
// Addresses

test('RFC 5952 text: canonical forms from RFC 5952 §4 and parse of the RFC 4291 §2.2 forms', () => {
  const cases: [string, string][] = [
    ['2001:0db8:0000:0000:0000:0000:0002:0001', '2001:db8::2:1'], // §4.1 leading zeros, §4.2.1 longest run
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2 a single 0 is not "::"
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3 longest run wins
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3 first of equal runs
    ['2001:DB8::AAAA', '2001:db8::aaaa'], // §4.3 lower case
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::', 'fe80::'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'], // §5 IPv4-mapped
    ['0:0:0:0:0:0:13.1.68.3', '::d01:4403'], // RFC 4291 §2.2 form 3
  ];
  for (const [input, canonical] of cases) assert.equal(formatIpv6Address(A(input)), canonical, input);
});

test('address text parser refuses malformed input with DecodeError', () => {
  for (const bad of [
    '',
    ':',
    ':::',
    '1::2::3',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '12345::',
    'g::',
    '::1.2.3',
    '::256.1.1.1',
    'fe80::1%eth0',
    '1:2:3:4:5:6:7::8',
  ]) {
    assert.throws(() => A(bad), isDecodeError, bad);
  }
});

test('link-local from EUI-64 flips the U/L bit (RFC 4291 App. A); short address gives ::ff:fe00:XXXX (RFC 4944 §6)', () => {
  // The IEEE 802.15.4 source of the Contiki-NG echo request quoted in smoltcp's
  // src/iface/interface/tests/sixlowpan.rs: on air 62 3a a6 34 57 29 1c 26, reply goes to fe80::241c:2957:34a6:3a62.
  assert.equal(formatIpv6Address(linkLocalFromEui64(0x261c295734a63a62n)), 'fe80::241c:2957:34a6:3a62');
  assert.equal(toHex(iidFromEui64(0x0012_4b00_0001_0203n)), '02124b0000010203');
  assert.equal(formatIpv6Address(linkLocalFromShortAddress(0x1234)), 'fe80::ff:fe00:1234');
});

test('multicast scope checks', () => {
  assert.equal(multicastScope(ALL_RPL_NODES), MULTICAST_SCOPE.LINK_LOCAL);
  assert.equal(multicastScope(A('ff05::fb')), MULTICAST_SCOPE.SITE_LOCAL);
  assert.equal(multicastScope(A('fd00::1')), undefined);
  assert.ok(isLinkLocalScope(A('fe80::1')));
  assert.ok(isLinkLocalScope(A('ff02::1')));
  assert.ok(!isLinkLocalScope(A('ff0e::1')));
});

test('fast-check: format/parse round trip', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean(), (a, sparse) => {
      if (sparse) a.fill(0, 4, 12);
      assert.deepEqual(A(formatIpv6Address(a)), a);
    }),
  );
});

// ---------------------------------------------------------------------------------------------
// Published bytes

// Contiki-NG echo request from smoltcp src/iface/interface/tests/sixlowpan.rs (icmp_echo_request):
// ICMPv6 bytes with the checksum Contiki-NG computed (0xb0e3).
const ECHO_SRC = A('fe80::241c:2957:34a6:3a62');
const ECHO_DST = A('fe80::180b:4242:4242:4242');
const ECHO_ICMP = fromHex(
  '8000b0e30004000182f2826400000000' +
    '66230c00000000001011121314151617' +
    '18191a1b1c1d1e1f2021222324252627' +
    '28292a2b2c2d2e2f3031323334353637',
);

test('ICMPv6 echo request from Contiki-NG: checksum verifies, fields decode, re-encode is identical', () => {
  const m = decodeIcmpv6(ECHO_ICMP, ECHO_SRC, ECHO_DST);
  assert.equal(m.kind, 'echo-request');
  assert.ok(m.kind === 'echo-request');
  assert.equal(m.identifier, 4);
  assert.equal(m.sequence, 1);
  assert.equal(m.data.length, 56);
  assert.deepEqual(encodeIcmpv6(m, ECHO_SRC, ECHO_DST), ECHO_ICMP);
  // one flipped bit anywhere is a bad checksum
  const bad = ECHO_ICMP.slice();
  bad[20]! ^= 0x10;
  assert.throws(
    () => decodeIcmpv6(bad, ECHO_SRC, ECHO_DST),
    (e: unknown) => isDecodeError(e) && /checksum/.test(e.reason),
  );
  // wrong pseudo-header (other destination) too
  assert.throws(() => decodeIcmpv6(ECHO_ICMP, ECHO_SRC, A('fe80::1')), isDecodeError);
});

test('RPL option bytes (smoltcp ipv6option.rs: 63 04 00 1e 08 00) in a Hop-by-Hop header', () => {
  const hbh = decodeOptionsHeader(fromHex('3a00 6304001e0800'));
  assert.equal(hbh.nextHeader, 58);
  assert.deepEqual(hbh.options, [
    {
      kind: 'rpl',
      rpl: {
        optionType: 0x63,
        down: false,
        rankError: false,
        forwardingError: false,
        instanceId: 0x1e,
        senderRank: 0x0800,
        subTlvs: new Uint8Array(0),
      },
    },
  ]);
  assert.equal(toHex(encodeOptionsHeader(hbh)), '3a006304001e0800');
  // O/R/F flags and RFC 9008 type 0x23
  const flagged = decodeOptionsHeader(fromHex('1100 2304e0010100'));
  const rpl = flagged.options[0];
  assert.ok(rpl?.kind === 'rpl');
  assert.deepEqual(
    [rpl.rpl.optionType, rpl.rpl.down, rpl.rpl.rankError, rpl.rpl.forwardingError],
    [0x23, true, true, true],
  );
  // too short RPL option, bad padding
  assert.throws(() => decodeOptionsHeader(fromHex('3a00 6303001e08 00')), isDecodeError);
  assert.throws(() => decodeOptionsHeader(fromHex('3a00 0104 00000001')), isDecodeError); // non-zero PadN
  assert.throws(
    () => decodeOptionsHeader(fromHex('3a01 0106 000000000000 00000000 00000000'.replace(/ /g, ''))),
    isDecodeError,
  ); // 8-byte pad run
});

test('padding is added to reach 8n bytes: Pad1 and PadN', () => {
  const seven: Ipv6Option = { kind: 'unknown', optionType: 0x1e, data: Uint8Array.of(1, 2, 3) }; // 2+2+3 = 7 → Pad1
  assert.equal(
    toHex(encodeOptionsHeader({ nextHeader: 17, options: [seven] })),
    '1100' + '1e03010203' + '00',
  );
  const four: Ipv6Option = { kind: 'unknown', optionType: 0x1e, data: new Uint8Array(0) }; // 2+2 → PadN(2)
  assert.equal(toHex(encodeOptionsHeader({ nextHeader: 17, options: [four] })), '1100' + '1e00' + '01020000');
});

// RFC 6554 SRH from smoltcp src/wire/ipv6routing.rs (BYTES_SRH_ELIDED, with Next Header and
// Hdr Ext Len prepended): CmprI 15, CmprE 14, Pad 5, two addresses relative to fd00::1.
test('RFC 6554 source route header with elided addresses (smoltcp vector)', () => {
  const dst = A('fd00::1');
  const bytes = fromHex('1101 0302fe500000 02 0301 0000000000');
  const h = decodeRoutingHeader(bytes, dst);
  assert.ok(h.routingType === 3);
  const srh = h as SourceRouteHeader;
  assert.equal(srh.segmentsLeft, 2);
  assert.deepEqual(srh.compression, { cmprI: 15, cmprE: 14 });
  assert.deepEqual(srh.addresses.map(formatIpv6Address), ['fd00::2', 'fd00::301']);
  assert.deepEqual(encodeRoutingHeader(srh, dst), bytes);
  // The encoder picks the best compression itself: ::2 and ::301 share 15 and 14 bytes with ::1.
  const { compression: _c, ...plain } = srh;
  assert.deepEqual(encodeRoutingHeader(plain, dst), bytes);
});

test('RFC 6554 full-address form (smoltcp BYTES_SRH_FULL) and the §4.2 checks', () => {
  const dst = A('fd00::1');
  const full = fromHex('1104 030200000000 fd000000000000000000000000000002 fd000000000000000000000000000301');
  const h = decodeRoutingHeader(full, dst) as SourceRouteHeader;
  assert.deepEqual(h.compression, { cmprI: 0, cmprE: 0 });
  assert.deepEqual(h.addresses.map(formatIpv6Address), ['fd00::2', 'fd00::301']);
  assert.deepEqual(encodeRoutingHeader(h, dst), full);
  // Segments Left 3 > n = 2
  const sl = full.slice();
  sl[3] = 3;
  assert.throws(
    () => decodeRoutingHeader(sl, dst),
    (e: unknown) => isDecodeError(e) && /segments left/.test(e.reason),
  );
  // n not a whole number: CmprI 1 → 15-byte addresses do not tile 32 bytes
  const frac = full.slice();
  frac[4] = 0x10;
  assert.throws(() => decodeRoutingHeader(frac, dst), isDecodeError);
  // Pad inconsistent with the layout
  // (CmprI 8, CmprE 8, 16 bytes: Pad 0 gives n = 2; Pad 8 gives n = 1, whose layout needs Pad 0)
  const eight = '1102 0302 88 00 0000 0000000000000002 0000000000000301';
  assert.equal(decodeRoutingHeader(fromHex(eight), dst).segmentsLeft, 2);
  assert.throws(
    () => decodeRoutingHeader(fromHex(eight.replace('88 00', '88 80')), dst),
    (e: unknown) => isDecodeError(e) && /Pad 8/.test(e.reason),
  );
  // multicast destination or address
  assert.throws(() => decodeRoutingHeader(full, A('ff02::1')), isDecodeError);
  const mc = full.slice();
  mc[8] = 0xff;
  assert.throws(() => decodeRoutingHeader(mc, dst), isDecodeError);
});

// ---------------------------------------------------------------------------------------------
// Header, UDP, errors

test('IPv6 header: version 6 and payload length must match', () => {
  const h = {
    trafficClass: 0xb8,
    flowLabel: 0xabcde,
    nextHeader: 59,
    hopLimit: 64,
    source: A('fd00::1'),
    destination: A('fd00::2'),
  };
  const bytes = encodeIpv6Header(h, 0);
  assert.equal(toHex(bytes.subarray(0, 8)), '6b8abcde00003b40');
  assert.deepEqual(decodeIpv6Header(bytes).header, h);
  const v4 = bytes.slice();
  v4[0] = 0x4b;
  assert.throws(
    () => decodeIpv6Header(v4),
    (e: unknown) => isDecodeError(e) && /version 4/.test(e.reason),
  );
  const extra = new Uint8Array(41);
  extra.set(bytes);
  assert.throws(
    () => decodeIpv6Header(extra),
    (e: unknown) => isDecodeError(e) && /payload length/.test(e.reason),
  );
});

test('UDP: checksum computed and verified, zero checksum refused, length field checked', () => {
  const s = A('fd00::1');
  const d = A('fd00::2');
  const u = encodeUdp({ sourcePort: 3610, destinationPort: 3610, payload: Uint8Array.of(0x10, 0x81) }, s, d);
  assert.equal(pseudoHeaderChecksum(s, d, 17, u), 0);
  assert.deepEqual(decodeUdp(u, s, d), {
    sourcePort: 3610,
    destinationPort: 3610,
    payload: Uint8Array.of(0x10, 0x81),
  });
  const zero = u.slice();
  zero[6] = 0;
  zero[7] = 0;
  assert.throws(
    () => decodeUdp(zero, s, d),
    (e: unknown) => isDecodeError(e) && /zero checksum/.test(e.reason),
  );
  const badLen = u.slice();
  badLen[5]! += 1;
  assert.throws(() => decodeUdp(badLen, s, d), isDecodeError);
  const badSum = u.slice();
  badSum[8]! ^= 1;
  assert.throws(
    () => decodeUdp(badSum, s, d),
    (e: unknown) => isDecodeError(e) && /bad checksum/.test(e.reason),
  );
});

test('ICMPv6 error messages round trip', () => {
  const s = A('fd00::1');
  const d = A('fd00::2');
  const msgs: Icmpv6Message[] = [
    { kind: 'destination-unreachable', code: 7, invoking: Uint8Array.of(0x60, 0, 0, 0) },
    { kind: 'packet-too-big', code: 0, mtu: 1280, invoking: Uint8Array.of(1) },
    { kind: 'time-exceeded', code: 1, invoking: new Uint8Array(0) },
    { kind: 'parameter-problem', code: 2, pointer: 40, invoking: Uint8Array.of(2, 3) },
    { kind: 'rpl', code: 1, body: Uint8Array.of(0, 0) },
    { kind: 'other', type: 135, code: 0, body: new Uint8Array(20) },
  ];
  for (const m of msgs) assert.deepEqual(decodeIcmpv6(encodeIcmpv6(m, s, d), s, d), m);
});

test('decodePacket walks HBH → routing → upper and uses the final destination for the checksum', () => {
  const p: Ipv6Packet = {
    trafficClass: 0,
    flowLabel: 0,
    hopLimit: 64,
    source: A('fd00::1'),
    destination: A('fd00::212:4b00:1:3'),
    hopByHop: [
      {
        kind: 'rpl',
        rpl: {
          optionType: 0x63,
          down: true,
          rankError: false,
          forwardingError: false,
          instanceId: 0,
          senderRank: 256,
          subTlvs: new Uint8Array(0),
        },
      },
    ],
    routing: {
      routingType: 3,
      segmentsLeft: 2,
      addresses: [A('fd00::212:4b00:1:4'), A('fd00::212:4b00:1:5')],
    },
    upper: {
      kind: 'udp',
      datagram: { sourcePort: 3610, destinationPort: 3610, payload: Uint8Array.of(1, 2, 3) },
    },
  };
  const bytes = encodePacket(p);
  const back = decodePacket(bytes);
  assert.ok(back.routing && back.routing.routingType === 3);
  assert.deepEqual((back.routing as SourceRouteHeader).compression, { cmprI: 15, cmprE: 15 });
  delete (back.routing as SourceRouteHeader).compression;
  assert.deepEqual(back, p);
  // HBH anywhere but first is refused
  const noHbhFirst = encodePacket({
    ...p,
    hopByHop: undefined,
    upper: { kind: 'raw', nextHeader: 0, bytes: fromHex('3b00010400000000') },
  });
  assert.throws(
    () => decodePacket(noHbhFirst),
    (e: unknown) => isDecodeError(e) && /hop-by-hop/.test(e.reason),
  );
});

test('tshark agrees: checksums, RPL option and compressed source route decode as encoded', () => {
  const packets: Ipv6Packet[] = [
    {
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: 64,
      source: A('fd00::1'),
      destination: A('fd00::212:4b00:1:3'),
      hopByHop: [
        {
          kind: 'rpl',
          rpl: {
            optionType: 0x63,
            down: true,
            rankError: false,
            forwardingError: false,
            instanceId: 0x1e,
            senderRank: 0x800,
            subTlvs: new Uint8Array(0),
          },
        },
      ],
      routing: {
        routingType: 3,
        segmentsLeft: 2,
        addresses: [A('fd00::212:4b00:1:4'), A('fd00::212:4b00:1:5')],
      },
      upper: {
        kind: 'udp',
        datagram: { sourcePort: 3610, destinationPort: 3610, payload: Uint8Array.of(0x10, 0x81) },
      },
    },
    {
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: 64,
      source: A('fd00::1'),
      destination: A('fd00::2'),
      upper: {
        kind: 'icmpv6',
        message: { kind: 'echo-reply', identifier: 7, sequence: 9, data: Uint8Array.of(1, 2, 3) },
      },
    },
  ];
  const rows = tsharkFields(
    LINKTYPE_IPV6,
    packets.map(encodePacket),
    [
      'udp.checksum.status',
      'icmpv6.checksum.status',
      'ipv6.opt.rpl.sender_rank',
      'ipv6.opt.rpl.flag.o',
      'ipv6.routing.rpl.full_address',
      'ipv6.routing.rpl.pad',
      '_ws.malformed',
    ],
    ['-o', 'udp.check_checksum:TRUE'],
  );
  assert.deepEqual(rows[0], ['1', '', '0x0800', '1', 'fd00::212:4b00:1:4,fd00::212:4b00:1:5', '6', '']);
  assert.deepEqual(rows[1], ['', '1', '', '', '', '', '']);
});

// ---------------------------------------------------------------------------------------------
// Properties

function stripCompression(p: Ipv6Packet): Ipv6Packet {
  if (p.routing && 'compression' in p.routing) delete p.routing.compression;
  return p;
}

test('fast-check: decodePacket(encodePacket(p)) = p', () => {
  fc.assert(
    fc.property(arbitraryPacket, (p) => assert.deepEqual(stripCompression(decodePacket(encodePacket(p))), p)),
    { numRuns: 500 },
  );
});

test('fast-check: options header and routing header round trips', () => {
  fc.assert(
    fc.property(
      fc.nat({ max: 255 }),
      fc.array(fc.oneof(rplOption, unknownOption), { maxLength: 4 }),
      (nextHeader, options) => {
        assert.deepEqual(decodeOptionsHeader(encodeOptionsHeader({ nextHeader, options })), {
          nextHeader,
          options,
        });
      },
    ),
  );
  fc.assert(
    fc.property(
      meshAddr,
      fc.array(meshAddr, { minLength: 1, maxLength: 8 }),
      fc.nat({ max: 8 }),
      (dst, addresses, sl) => {
        const h = {
          routingType: 3 as const,
          nextHeader: 17,
          segmentsLeft: Math.min(sl, addresses.length),
          addresses,
        };
        const back = decodeRoutingHeader(encodeRoutingHeader(h, dst), dst) as SourceRouteHeader;
        delete back.compression;
        assert.deepEqual(back, h);
      },
    ),
  );
});

// ---------------------------------------------------------------------------------------------
// Fuzz

test('fuzz: decodePacket only ever throws DecodeError (10,000 runs)', () => {
  const samples = fc.sample(arbitraryPacket, { numRuns: 40, seed: 7 }).map(encodePacket);
  const { accepted, rejected } = fuzzDecoder(decodePacket, samples, { runs: 10_000 });
  assert.ok(rejected > 5000, `mutations should mostly be rejected (checksums): ${rejected}`);
  assert.ok(accepted >= 0);
});

test('fuzz: routing header and options header decoders (10,000 runs each)', () => {
  const dst = A('fd00::1');
  fuzzDecoder(
    (b) => decodeRoutingHeader(b, dst),
    [
      fromHex('1101 0302fe500000 02 0301 0000000000'),
      encodeRoutingHeader(
        { routingType: 3, nextHeader: 58, segmentsLeft: 1, addresses: [A('fd00::5')] },
        dst,
      ),
    ],
  );
  fuzzDecoder((b) => decodeOptionsHeader(b), [fromHex('3a006304001e0800'), fromHex('11001e0301020300')]);
});
