import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ByteWriter, DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import {
  decodeIpv6Header,
  decodePacket,
  encodePacket,
  formatIpv6Address,
  iidFromShortAddress,
  linkLocalFromEui64,
  linkLocalFromShortAddress,
  parseIpv6Address,
  type Ipv6Packet,
} from '../../../src/stack/ipv6/index.ts';
import {
  ReassemblyBuffer,
  compressIphc,
  contextTable,
  decodeLowpanFrame,
  decompressIphc,
  encodeFragmentHeader,
  encodeMeshHeader,
  fragment,
  iidFromLinkAddress,
  linkAddressFromMac,
  macFromLinkAddress,
  receiveLowpanFrame,
  type ContextTable,
  type LinkAddress,
} from '../../../src/stack/sixlowpan/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';
import { arbitraryPacket } from '../ipv6/arbitraries.ts';
import { LINKTYPE_IEEE802_15_4_NOFCS, tsharkFields } from '../ipv6/tshark-local.ts';

const A = parseIpv6Address;
const ext = (address: bigint): LinkAddress => ({ kind: 'extended', address });
const short = (address: number): LinkAddress => ({ kind: 'short', address });
const reason = (re: RegExp) => (e: unknown) => e instanceof DecodeError && re.test(e.reason);

/** IEEE 802.15.4 data frame header (2003, PAN ID compression, no security) with on-air byte order. */
function macFrame(src: LinkAddress, dst: LinkAddress, payload: Uint8Array, seq = 1): Uint8Array {
  const mode = (a: LinkAddress) => (a.kind === 'extended' ? 3 : 2);
  const w = new ByteWriter(127)
    .u8(0x41)
    .u8((mode(src) << 6) | (mode(dst) << 2))
    .u8(seq)
    .u16le(0xabcd);
  for (const a of [dst, src]) {
    if (a.kind === 'extended') w.u64le(a.address);
    else w.u16le(a.address);
  }
  return w.bytes(payload).finish();
}

/** Splits an on-air frame built like macFrame (both addresses extended) into link addresses and payload. */
function parseMacFrame(frame: Uint8Array): {
  source: LinkAddress;
  destination: LinkAddress;
  payload: Uint8Array;
} {
  const v = new DataView(frame.buffer, frame.byteOffset);
  return {
    destination: ext(v.getBigUint64(5, true)),
    source: ext(v.getBigUint64(13, true)),
    payload: frame.subarray(21),
  };
}

// ---------------------------------------------------------------------------------------------
// Published bytes

// Contiki-NG ICMPv6 echo request in an IEEE 802.15.4 frame, quoted in smoltcp
// src/iface/interface/tests/sixlowpan.rs (icmp_echo_request). IPHC 6a33: TF=01, NH inline, HLIM 64,
// SAM=DAM=11 (both IIDs from the MAC header).
const CONTIKI_ECHO =
  '41cc3befbe4242424242420b1a623aa63457291c26' +
  '6a330a62173a8000b0e30004000182f282640000000066230c0000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637';

test('Contiki-NG echo request: decompression yields the addresses whose checksum Contiki-NG computed', () => {
  const { source, destination, payload } = parseMacFrame(fromHex(CONTIKI_ECHO));
  const packet = decompressIphc(payload, { source, destination });
  const p = decodePacket(packet); // verifies the ICMPv6 checksum 0xb0e3
  assert.equal(formatIpv6Address(p.source), 'fe80::241c:2957:34a6:3a62');
  assert.equal(formatIpv6Address(p.destination), 'fe80::180b:4242:4242:4242');
  assert.deepEqual([p.hopLimit, p.trafficClass, p.flowLabel], [64, 0, 0xa6217]);
  assert.equal(p.upper.kind === 'icmpv6' && p.upper.message.kind, 'echo-request');
  // and our compressor chooses the very same encoding
  assert.equal(toHex(compressIphc(packet, { source, destination })), toHex(payload));
});

// Three IEEE 802.15.4 frames of one 307-byte UDP datagram (FRAG1 + 2 × FRAGN, tag 0x3f), from
// smoltcp src/wire/sixlowpan/mod.rs (sixlowpan_three_fragments). IPHC 6e33 with NHC UDP f0.
const THREE_FRAGMENTS = [
  '41cc92efbe4242424242420b1ad93e08282f829332c133003f6e3302353df0d25f1b39b46b4c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e73656374657475722061646970697363696e6720656c69742e20416c697175616d20647569206f64696f2c20696163756c69732076656c2072',
  '41cc93efbe4242424242420b1ad93e08282f829332e133003f11757472756d2061742c20747269737469717565206e6f6e206e756e6320657261742063757261652e204c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e73656374657475722061646970697363696e6720656c6974',
  '41cc94efbe4242424242420b1ad93e08282f829332e133003f1d2e20416c697175616d20647569206f64696f2c20696163756c69732076656c2072757472756d2061742c20747269737469717565206e6f6e206e756e6320657261742063757261652e200a',
].map(fromHex);

test('three published fragments reassemble (any order) into a UDP datagram whose checksum verifies', () => {
  const frames = THREE_FRAGMENTS.map(parseMacFrame);
  const headers = frames.map((f) => decodeLowpanFrame(f.payload).fragment);
  assert.deepEqual(headers, [
    { kind: 'first', size: 307, tag: 0x3f },
    { kind: 'subsequent', size: 307, tag: 0x3f, offset: 136 },
    { kind: 'subsequent', size: 307, tag: 0x3f, offset: 232 },
  ]);
  for (const order of [
    [0, 1, 2],
    [2, 0, 1],
    [1, 2, 0],
  ]) {
    const buffer = new ReassemblyBuffer();
    const results = order.map((i) => receiveLowpanFrame(frames[i]!.payload, frames[i]!, buffer, 1000));
    const last = results[2]!;
    assert.deepEqual(
      results.slice(0, 2).map((r) => r.status),
      ['pending', 'pending'],
    );
    assert.ok(last.status === 'complete');
    const p = decodePacket(last.datagram); // UDP checksum 0xb46b verifies
    assert.ok(p.upper.kind === 'udp');
    assert.deepEqual([p.upper.datagram.sourcePort, p.upper.datagram.destinationPort], [0xd25f, 0x1b39]);
    assert.match(
      new TextDecoder().decode(p.upper.datagram.payload),
      /^Lorem ipsum dolor sit amet.*curae\. \n$/s,
    );
    assert.equal(buffer.active, 0);
  }
});

// Contiki-NG 176-byte echo request in two fragments (smoltcp test_echo_request_sixlowpan_128_bytes;
// the link addresses there were re-chosen by the test, so only structure is checked).
test('Contiki-NG FRAG1/FRAGN pair: headers, sizes and reassembly', () => {
  const f1 = fromHex(
    'c0b0008e6a3305252c3a8000e07100270002a2c22d6300000000d95e0c0000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f',
  );
  const f2 = fromHex(
    'e0b0008e10505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f',
  );
  assert.deepEqual(decodeLowpanFrame(f1).fragment, { kind: 'first', size: 176, tag: 0x8e });
  assert.deepEqual(decodeLowpanFrame(f2).fragment, { kind: 'subsequent', size: 176, tag: 0x8e, offset: 128 });
  assert.equal(toHex(encodeFragmentHeader({ kind: 'first', size: 176, tag: 0x8e })), 'c0b0008e');
  assert.equal(
    toHex(encodeFragmentHeader({ kind: 'subsequent', size: 176, tag: 0x8e, offset: 128 })),
    'e0b0008e10',
  );
  const link = { source: ext(0x4242424242420b1an), destination: ext(0x90fc48c2a441fc76n) };
  const buffer = new ReassemblyBuffer();
  assert.equal(receiveLowpanFrame(f1, link, buffer, 0).status, 'pending');
  const done = receiveLowpanFrame(f2, link, buffer, 1);
  assert.ok(done.status === 'complete');
  const { header, payload } = decodeIpv6Header(done.datagram);
  assert.equal(formatIpv6Address(header.source), 'fe80::4042:4242:4242:b1a');
  assert.equal(header.nextHeader, 58);
  assert.equal(payload.length, 136);
  assert.equal(toHex(payload.subarray(0, 8)), '8000e07100270002');
});

// DIS from smoltcp src/wire/rpl.rs (dis_packet): IPHC 7a3b, DAM=11 multicast ff02::1a.
test('RPL DIS IPHC (smoltcp vector): multicast DAM=11 and link-derived source', () => {
  const bytes = fromHex('7a3b3a1a9b00000000000000'.slice(0, 20));
  const link = { source: ext(0x9ed3a29c571a4fe4n), destination: short(0xffff) };
  const packet = decompressIphc(bytes, link);
  const { header, payload } = decodeIpv6Header(packet);
  assert.equal(formatIpv6Address(header.destination), 'ff02::1a');
  assert.deepEqual(header.source, linkLocalFromEui64(0x9ed3a29c571a4fe4n));
  assert.deepEqual([header.hopLimit, header.nextHeader, payload.length], [64, 58, 6]);
  assert.equal(toHex(compressIphc(packet, link)), toHex(bytes));
});

// ---------------------------------------------------------------------------------------------
// Encodings chosen

const MESH = A('fd00:db8::');
const CONTEXTS = contextTable(MESH, 64, { 3: { prefix: A('2001:db8:1::'), prefixLength: 48 } });
const SRC_LL = ext(0x00124b0000000001n);
const DST_LL = short(0x0002);

function udpPacket(
  source: Uint8Array,
  destination: Uint8Array,
  sp = 0xf0b1,
  dp = 0xf0b2,
  hopLimit = 64,
): Ipv6Packet {
  return {
    trafficClass: 0,
    flowLabel: 0,
    hopLimit,
    source,
    destination,
    upper: { kind: 'udp', datagram: { sourcePort: sp, destinationPort: dp, payload: Uint8Array.of(0xaa) } },
  };
}

test('smallest encodings: elided addresses, 0xF0Bx ports, stateful context 0 and 3', () => {
  const opts = { source: SRC_LL, destination: DST_LL, contexts: CONTEXTS };
  const ll = encodePacket(
    udpPacket(linkLocalFromEui64(SRC_LL.address as bigint), linkLocalFromShortAddress(2)),
  );
  const c = compressIphc(ll, opts);
  // IPHC 7e 33? no: NH=1 → 0x7e? TF=11 NH=1 HLIM=10 → 0x7e; SAM=11 DAM=11 → 0x33; NHC UDP 0xf3, ports 0x12, checksum 2 B, payload
  assert.equal(toHex(c.subarray(0, 4)), '7e33f312');
  assert.equal(c.length, 2 + 1 + 1 + 2 + 1);
  assert.deepEqual(decompressIphc(c, opts), ll);
  // global addresses under context 0 with IIDs from the link layer: SAC=DAC=1, no CID byte
  const g = encodePacket(udpPacket(A('fd00:db8::212:4b00:0:1'), A('fd00:db8::ff:fe00:2'), 1234, 0xf005));
  const gc = compressIphc(g, opts);
  assert.equal(toHex(gc.subarray(0, 2)), '7e77');
  assert.equal(toHex(gc.subarray(2, 5)), 'f104d2'); // P=01: source inline, destination 0xF0xx
  assert.deepEqual(decompressIphc(gc, opts), g);
  // context 3 (/48) needs the CID byte: SCI=3
  const c3 = encodePacket(udpPacket(A('2001:db8:1::ff:fe00:7'), A('fd00:db8::ff:fe00:2'), 1, 2, 7));
  const c3c = compressIphc(c3, opts);
  assert.equal(toHex(c3c.subarray(0, 3)), '7c' + 'e7' + '30'); // NH=1, HLIM inline; CID=1 SAC=1 SAM=10, DAC=1 DAM=11; SCI 3 DCI 0
  assert.deepEqual(decompressIphc(c3c, opts), c3);
  // unspecified source: SAC=1 SAM=00
  const un = encodePacket(udpPacket(new Uint8Array(16), A('ff02::1a')));
  const unc = compressIphc(un, opts);
  assert.equal(toHex(unc.subarray(0, 2)), '7e4b');
  assert.deepEqual(decompressIphc(unc, opts), un);
});

test('multicast DAM modes and DAC=1 (RFC 3306 prefix-based) all round-trip', () => {
  const opts = { source: SRC_LL, destination: DST_LL, contexts: CONTEXTS };
  const cases: [string, number][] = [
    ['ff02::1', 0x0b],
    ['ff05::1:3', 0x0a],
    ['ff0e::12:3456:789a', 0x09],
    ['ff35:40:fd00:db8::1234:5678', 0x0c], // DAC=1 DAM=00 with context 0 (/64)
    ['ff0e:1::1', 0x08],
  ];
  for (const [text, m] of cases) {
    const p = encodePacket(udpPacket(linkLocalFromEui64(SRC_LL.address as bigint), A(text)));
    const c = compressIphc(p, opts);
    assert.equal(c[1]! & 0x0f, m, text);
    assert.deepEqual(decompressIphc(c, opts), p, text);
  }
});

test('UDP checksum elision is refused both ways unless configured (RFC 6282 §4.3.2)', () => {
  const p = encodePacket(udpPacket(A('fe80::1'), A('fe80::2')));
  const opts = { source: SRC_LL, destination: DST_LL };
  const elided = compressIphc(p, { ...opts, elideUdpChecksum: true });
  assert.equal(toHex(elided.subarray(-3)), 'f712aa'); // NHC UDP with C=1 and P=11, ports, no checksum, payload
  assert.throws(() => decompressIphc(elided, opts), reason(/checksum elided/));
  assert.deepEqual(decompressIphc(elided, { ...opts, acceptElidedUdpChecksum: true }), p);
});

test('Hop-by-Hop with the RPL option goes into NHC EH (EID 0) when UDP follows, inline otherwise', () => {
  const rpl = {
    optionType: 0x63,
    down: false,
    rankError: false,
    forwardingError: false,
    instanceId: 0x1e,
    senderRank: 0x200,
    subTlvs: new Uint8Array(0),
  };
  const opts = { source: SRC_LL, destination: DST_LL, contexts: CONTEXTS };
  const udp = encodePacket({
    ...udpPacket(A('fd00:db8::212:4b00:0:1'), A('fd00:db8::ff:fe00:2')),
    hopByHop: [{ kind: 'rpl', rpl }],
  });
  const c = compressIphc(udp, opts);
  // IPHC, then NHC EH 0xe1 (EID 0, NH=1), length 6, the option, then NHC UDP
  assert.equal(toHex(c.subarray(2, 11)), 'e106' + '6304001e0200' + 'f3');
  assert.deepEqual(decompressIphc(c, opts), udp);
  const icmp = encodePacket({
    trafficClass: 0,
    flowLabel: 0,
    hopLimit: 64,
    source: A('fd00:db8::212:4b00:0:1'),
    destination: A('fd00:db8::ff:fe00:2'),
    hopByHop: [{ kind: 'rpl', rpl }],
    upper: {
      kind: 'icmpv6',
      message: { kind: 'echo-request', identifier: 1, sequence: 1, data: new Uint8Array(0) },
    },
  });
  const ic = compressIphc(icmp, opts);
  assert.equal(ic[0]! & 0x04, 0); // NH inline: NHC would not be shorter
  assert.equal(ic[2], 0); // next header = Hop-by-Hop
  assert.deepEqual(decompressIphc(ic, opts), icmp);
  // a decompressor restores padding a compressor elided (RFC 6282 §4.2): 4-byte option, length 4
  const padElided = fromHex('7e77' + 'e0' + '11' + '04' + '1e020102' + 'f3');
  const back = decompressIphc(padElided, opts);
  assert.equal(toHex(back.subarray(40, 48)), '11001e0201020100');
});

test('decompression refuses reserved modes, unknown contexts and reserved TF bits', () => {
  const opts = { source: SRC_LL, destination: DST_LL, contexts: CONTEXTS };
  assert.throws(() => decompressIphc(fromHex('7a3d3a00'), opts), reason(/reserved multicast mode/)); // DAC=1 DAM=01
  assert.throws(() => decompressIphc(fromHex('7a343a'), opts), reason(/DAC=1 DAM=00/));
  assert.throws(
    () => decompressIphc(fromHex('7af3' + '50' + '3a'), opts),
    reason(/unknown compression context 5/),
  );
  assert.throws(() => decompressIphc(fromHex('6a33' + '300000' + '3a'), opts), reason(/reserved bits/));
  assert.throws(() => decompressIphc(fromHex('7e33' + 'e4'), opts), reason(/EID 2/));
  assert.throws(() => decodeLowpanFrame(fromHex('42ff')), reason(/HC1/));
  assert.throws(() => decodeLowpanFrame(fromHex('01ff')), reason(/NALP/));
  assert.throws(() => decodeLowpanFrame(fromHex('f1ff')), reason(/page 1/));
});

test('mesh header is parsed and its addresses stand in for the link layer', () => {
  const mesh = encodeMeshHeader({ hopsLeft: 5, originator: ext(0x00124b0000000009n), final: short(0x0002) });
  assert.equal(toHex(mesh), '9500124b00000000090002');
  const p = encodePacket(udpPacket(linkLocalFromEui64(0x00124b0000000009n), linkLocalFromShortAddress(2)));
  const c = compressIphc(p, { source: ext(0x00124b0000000009n), destination: short(2) });
  const frame = new Uint8Array([...mesh, ...c]);
  assert.deepEqual(decodeLowpanFrame(frame).mesh, {
    hopsLeft: 5,
    originator: ext(0x00124b0000000009n),
    final: short(2),
  });
  const r = receiveLowpanFrame(frame, { source: ext(1n), destination: ext(2n) }, new ReassemblyBuffer(), 0);
  assert.ok(r.status === 'complete');
  assert.deepEqual(r.datagram, p);
});

test('iidFromLinkAddress follows RFC 4944 §6', () => {
  assert.equal(toHex(iidFromLinkAddress(ext(0x00124b0000000001n))), '02124b0000000001');
  assert.deepEqual(iidFromLinkAddress(short(0xbeef)), iidFromShortAddress(0xbeef));
});

// ---------------------------------------------------------------------------------------------
// tshark cross-check of our compressed bytes

test('tshark decompresses our IPHC frames to the same packets (checksums good)', () => {
  const cases: { packet: Ipv6Packet; src: LinkAddress; dst: LinkAddress }[] = [
    {
      packet: udpPacket(linkLocalFromEui64(0x00124b0000000001n), linkLocalFromShortAddress(2)),
      src: ext(0x00124b0000000001n),
      dst: short(2),
    },
    {
      packet: udpPacket(A('fd00:db8::212:4b00:0:1'), A('fd00:db8::ff:fe00:2'), 3610, 3610, 255),
      src: ext(0x00124b0000000001n),
      dst: short(2),
    },
    {
      packet: {
        ...udpPacket(A('fd00:db8::1234'), A('ff02::1a'), 0xf0bf, 61616, 1),
        trafficClass: 0xb9,
        flowLabel: 0x12345,
      },
      src: short(0x1234),
      dst: short(0xffff),
    },
    {
      packet: {
        trafficClass: 2,
        flowLabel: 7,
        hopLimit: 63,
        source: A('fd00:db8::212:4b00:0:1'),
        destination: A('fd00:db8::ff:fe00:2'),
        hopByHop: [
          {
            kind: 'rpl',
            rpl: {
              optionType: 0x63,
              down: true,
              rankError: false,
              forwardingError: false,
              instanceId: 0,
              senderRank: 0x100,
              subTlvs: new Uint8Array(0),
            },
          },
        ],
        upper: {
          kind: 'udp',
          datagram: { sourcePort: 40000, destinationPort: 40001, payload: Uint8Array.of(1, 2, 3) },
        },
      },
      src: ext(0x00124b0000000001n),
      dst: short(2),
    },
    {
      packet: udpPacket(A('2001:db8:1::ff:fe00:7'), A('ff35:40:fd00:db8::1234:5678'), 1, 2, 7),
      src: short(7),
      dst: short(0xffff),
    },
  ];
  const frames = cases.map((c, i) =>
    macFrame(
      c.src,
      c.dst,
      compressIphc(encodePacket(c.packet), { source: c.src, destination: c.dst, contexts: CONTEXTS }),
      i,
    ),
  );
  const rows = tsharkFields(
    LINKTYPE_IEEE802_15_4_NOFCS,
    frames,
    [
      'ipv6.src',
      'ipv6.dst',
      'ipv6.tclass',
      'ipv6.flow',
      'ipv6.hlim',
      'udp.srcport',
      'udp.dstport',
      'udp.checksum.status',
      'ipv6.opt.rpl.sender_rank',
      '_ws.malformed',
    ],
    [
      '-o',
      '6lowpan.context0:fd00:db8::/64',
      '-o',
      '6lowpan.context3:2001:db8:1::/48',
      '-o',
      'udp.check_checksum:TRUE',
      '-o',
      'wpan.802154_fcs_ok:FALSE',
    ],
  );
  cases.forEach((c, i) => {
    const row = rows[i]!;
    const p = c.packet;
    assert.equal(row[0], formatIpv6Address(p.source), `case ${i} source`);
    assert.equal(row[1], formatIpv6Address(p.destination), `case ${i} destination`);
    assert.equal(Number(row[2]), p.trafficClass, `case ${i} traffic class`);
    assert.equal(Number(row[3]), p.flowLabel, `case ${i} flow label`);
    assert.equal(Number(row[4]), p.hopLimit, `case ${i} hop limit`);
    assert.ok(p.upper.kind === 'udp');
    assert.deepEqual(
      [Number(row[5]), Number(row[6])],
      [p.upper.datagram.sourcePort, p.upper.datagram.destinationPort],
      `case ${i} ports`,
    );
    assert.equal(row[7], '1', `case ${i} UDP checksum status`);
    assert.equal(row[9] ?? '', '', `case ${i} malformed`);
  });
  assert.equal(rows[3]![8], '0x0100');
});

// ---------------------------------------------------------------------------------------------
// Properties

const linkAddress: fc.Arbitrary<LinkAddress> = fc.oneof(
  fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }).map(ext),
  fc.nat({ max: 0xffff }).map(short),
);

interface Scenario {
  packet: Ipv6Packet;
  src: LinkAddress;
  dst: LinkAddress;
  contexts: ContextTable;
}

/** Packets whose addresses are drawn from the forms IPHC can elide, plus random ones. */
const scenario: fc.Arbitrary<Scenario> = fc
  .tuple(
    arbitraryPacket,
    linkAddress,
    linkAddress,
    fc.uint8Array({ minLength: 16, maxLength: 16 }),
    fc.integer({ min: 0, max: 128 }),
    fc.uint8Array({ minLength: 16, maxLength: 16 }),
    fc.integer({ min: 1, max: 64 }),
    fc.nat({ max: 6 }),
    fc.nat({ max: 8 }),
    fc.nat({ max: 0xffff }),
  )
  .map(([packet, src, dst, p0, l0, p5, l5, srcForm, dstForm, port]) => {
    const contexts = contextTable(p0, l0, { 5: { prefix: p5, prefixLength: l5 } });
    const withCtx = (ctxId: number, iid: Uint8Array) => {
      const c = contexts.get(ctxId)!;
      const a = new Uint8Array(16);
      a.set(iid, 8);
      for (let bit = 0; bit < c.prefixLength; bit++) {
        const m = 0x80 >> (bit & 7);
        a[bit >> 3] = (a[bit >> 3]! & ~m) | (c.prefix[bit >> 3]! & m);
      }
      return a;
    };
    const forms = (ll: LinkAddress) => [
      linkLocalFromEui64(0x1234n),
      ll.kind === 'extended' ? linkLocalFromEui64(ll.address) : linkLocalFromShortAddress(ll.address),
      linkLocalFromShortAddress(port),
      withCtx(0, iidFromLinkAddress(ll)),
      withCtx(5, iidFromShortAddress(port)),
      withCtx(0, packet.source.subarray(8)),
    ];
    const source = [...forms(src), new Uint8Array(16)][srcForm] ?? packet.source;
    const mc = [A('ff02::1a'), A(`ff05::${port.toString(16)}`), A(`ff0e::${port.toString(16)}:1`)];
    const destination = [...forms(dst), ...mc][dstForm] ?? packet.destination;
    const p: Ipv6Packet = { ...packet, source, destination };
    if (p.routing && destination[0] === 0xff) delete p.routing; // no source routes to multicast (RFC 6554 §4.2)
    return { packet: p, src, dst, contexts };
  });

test('fast-check: decompressIphc(compressIphc(p)) = p over addresses, contexts, TF, HLIM, ports, HBH', () => {
  fc.assert(
    fc.property(scenario, ({ packet, src, dst, contexts }) => {
      const bytes = encodePacket(packet);
      const opts = { source: src, destination: dst, contexts };
      const c = compressIphc(bytes, opts);
      assert.ok(c.length <= bytes.length + 1);
      assert.deepEqual(decompressIphc(c, opts), bytes);
    }),
    { numRuns: 3000 },
  );
});

test('fast-check: fragment → shuffled receive → the original datagram', () => {
  fc.assert(
    fc.property(
      scenario,
      fc.integer({ min: 40, max: 127 }),
      fc.nat({ max: 0xffff }),
      fc.nat(),
      ({ packet, src, dst, contexts }, mtu, tag, seed) => {
        const bytes = encodePacket({
          ...packet,
          upper: { kind: 'raw', nextHeader: 59, bytes: new Uint8Array(200 + (seed % 300)) },
        });
        const opts = { source: src, destination: dst, contexts };
        const frames = fragment(compressIphc(bytes, opts), tag, mtu);
        assert.ok(frames.length > 1);
        for (const f of frames) assert.ok(f.length <= mtu);
        const order = frames
          .map((_, i) => i)
          .sort((a, b) => ((a * 7919 + seed) % 13) - ((b * 7919 + seed) % 13));
        const buffer = new ReassemblyBuffer();
        const results = order.map((i) => receiveLowpanFrame(frames[i]!, opts, buffer, 0));
        const done = results.filter((r) => r.status === 'complete');
        assert.equal(done.length, 1);
        assert.ok(done[0]!.status === 'complete');
        assert.deepEqual(done[0]!.datagram, bytes);
      },
    ),
    { numRuns: 500 },
  );
});

test('fragment() keeps uncompressed offsets 8-aligned and FRAG1 holds all compressed headers', () => {
  const bytes = encodePacket({
    ...udpPacket(A('fe80::1'), A('fe80::2')),
    upper: {
      kind: 'udp',
      datagram: { sourcePort: 1, destinationPort: 2, payload: new Uint8Array(300).fill(7) },
    },
  });
  const lowpan = compressIphc(bytes, { source: short(1), destination: short(2) });
  const frames = fragment(lowpan, 0xbeef, 80);
  const offsets = frames.map((f) => decodeLowpanFrame(f).fragment);
  assert.equal(offsets[0]!.kind, 'first');
  for (const o of offsets.slice(1)) assert.ok(o?.kind === 'subsequent' && o.offset % 8 === 0);
  assert.ok(offsets.every((o) => o?.size === bytes.length && o.tag === 0xbeef));
  // uncompressed 0x41 datagrams fragment too
  const raw = fragment(new Uint8Array([0x41, ...bytes]), 1, 100);
  const buffer = new ReassemblyBuffer();
  const res = raw.map((f) => receiveLowpanFrame(f, { source: short(1), destination: short(2) }, buffer, 0));
  assert.ok(res.at(-1)?.status === 'complete');
  assert.deepEqual(
    res.at(-1)?.status === 'complete' && res.at(-1)!.status === 'complete'
      ? (res.at(-1) as { datagram: Uint8Array }).datagram
      : undefined,
    bytes,
  );
  assert.deepEqual(fragment(lowpan.subarray(0, 30), 1, 80), [lowpan.slice(0, 30)]); // fits: unchanged
});

// ---------------------------------------------------------------------------------------------
// Reassembly

const S = ext(0x1111n);
const D = ext(0x2222n);
function frag(offset: number, data: Uint8Array, size = 32, tag = 1, source = S) {
  return { source, destination: D, size, tag, offset, data };
}
const block = (v: number, n = 8) => new Uint8Array(n).fill(v);

test('reassembly: out of order, duplicates, completion', () => {
  const b = new ReassemblyBuffer();
  assert.equal(b.add(frag(16, block(3, 16)), 0).status, 'pending');
  assert.equal(b.add(frag(16, block(3, 16)), 1).status, 'duplicate');
  assert.equal(b.add(frag(0, block(1)), 2).status, 'pending');
  const r = b.add(frag(8, block(2)), 3);
  assert.ok(r.status === 'complete');
  assert.equal(toHex(r.datagram), toHex(new Uint8Array([...block(1), ...block(2), ...block(3, 16)])));
  assert.equal(b.counters.duplicates, 1);
  assert.equal(b.counters.completed, 1);
  assert.equal(b.bytesInUse, 0);
});

test('reassembly: overlapping fragment that disagrees discards the datagram (RFC 4944 §5.3)', () => {
  const b = new ReassemblyBuffer();
  b.add(frag(0, block(1, 16)), 0);
  assert.deepEqual(b.add(frag(8, block(9, 16)), 1), { status: 'dropped', reason: 'overlap-conflict' });
  assert.equal(b.active, 0);
  assert.equal(b.counters['overlap-conflict'], 1);
  // an overlapping fragment that agrees is fine
  b.add(frag(0, block(1, 16)), 2);
  assert.equal(b.add(frag(8, new Uint8Array([...block(1), ...block(4)])), 3).status, 'pending');
});

test('reassembly: size mismatch restarts, bad offsets and ragged middles are dropped', () => {
  const b = new ReassemblyBuffer();
  b.add(frag(0, block(1)), 0);
  assert.equal(b.add(frag(8, block(2), 40), 1).status, 'pending');
  assert.equal(b.counters['size-mismatch'], 1);
  assert.equal(b.active, 1);
  assert.deepEqual(b.add(frag(32, block(2, 16), 40), 2), { status: 'dropped', reason: 'out-of-bounds' });
  assert.deepEqual(b.add(frag(0, block(2, 5), 40), 2), { status: 'dropped', reason: 'unaligned' });
  const small = new ReassemblyBuffer({ maxBytes: 1000 });
  assert.deepEqual(small.add(frag(0, new Uint8Array(8), 1500), 2), {
    status: 'dropped',
    reason: 'too-large',
  });
});

test('reassembly: timeout with injected time', () => {
  const b = new ReassemblyBuffer({ timeoutMs: 5000 });
  b.add(frag(0, block(1)), 1000);
  assert.equal(b.expire(5999), 0);
  assert.equal(b.expire(6000), 1);
  assert.equal(b.counters.timeout, 1);
  // a late fragment starts over instead of completing a stale datagram
  b.add(frag(0, block(1)), 0);
  assert.equal(b.add(frag(8, block(2, 24)), 10_000).status, 'pending');
});

test('reassembly: memory bound evicts the oldest, or refuses, and counts it', () => {
  const evict = new ReassemblyBuffer({ maxReassemblies: 4, maxBytes: 100 });
  for (let tag = 0; tag < 10; tag++) evict.add(frag(0, block(tag), 32, tag), tag);
  assert.equal(evict.active, 3); // 3 × 32 ≤ 100 bytes
  assert.ok(evict.bytesInUse <= 100);
  assert.equal(evict.counters.evicted, 7);
  // the survivors are the newest: tag 9 completes, tag 0 starts over
  assert.equal(evict.add(frag(8, block(9, 24), 32, 9), 20).status, 'complete');
  const refuse = new ReassemblyBuffer({ maxReassemblies: 2, whenFull: 'refuse' });
  for (let tag = 0; tag < 5; tag++) refuse.add(frag(0, block(tag), 32, tag), tag);
  assert.equal(refuse.active, 2);
  assert.equal(refuse.counters['refused-full'], 3);
  // distinct senders with the same tag do not collide
  const two = new ReassemblyBuffer();
  two.add(frag(0, block(1), 16, 7, ext(1n)), 0);
  two.add(frag(0, block(2), 16, 7, ext(2n)), 0);
  assert.equal(two.active, 2);
});

// ---------------------------------------------------------------------------------------------
// Fuzz

test('fuzz: IPHC decompression, frame dispatch and fragment decoding (10,000 runs each)', () => {
  const opts = { source: SRC_LL, destination: DST_LL, contexts: CONTEXTS };
  const samples = fc
    .sample(scenario, { numRuns: 30, seed: 3 })
    .map((s) =>
      compressIphc(encodePacket(s.packet), { source: SRC_LL, destination: DST_LL, contexts: CONTEXTS }),
    );
  samples.push(parseMacFrame(fromHex(CONTIKI_ECHO)).payload);
  fuzzDecoder((b) => decompressIphc(b, opts), samples);
  fuzzDecoder((b) => decompressIphc(b, { ...opts, acceptElidedUdpChecksum: true }), samples, {
    runs: 10_000,
    seed: 99,
  });
  const frames = [
    ...THREE_FRAGMENTS.map((f) => f.subarray(21)),
    ...fragment(samples[0]!, 5, 40),
    fromHex('9500124b00000000090002'),
    fromHex('5001'),
  ];
  fuzzDecoder(decodeLowpanFrame, frames);
  const buffer = new ReassemblyBuffer({ maxReassemblies: 4, maxBytes: 4096 });
  let now = 0;
  fuzzDecoder((b) => receiveLowpanFrame(b, opts, buffer, (now += 10)), frames);
  assert.ok(buffer.bytesInUse <= 4096);
});

test('link addresses convert to and from the MAC codec form (number = short, bigint = extended)', () => {
  assert.deepEqual(linkAddressFromMac(0xbeef), short(0xbeef));
  assert.deepEqual(linkAddressFromMac(0x00124b0000000001n), ext(0x00124b0000000001n));
  assert.equal(macFromLinkAddress(ext(5n)), 5n);
});
