import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import {
  encodePacket,
  formatIpv6Address,
  maskPrefix,
  parseIpv6Address,
  ALL_RPL_NODES,
} from '../../../src/stack/ipv6/index.ts';
import {
  FIELD_DODAG_DEFAULTS,
  MOP,
  OCP,
  RPL_CODE,
  RPL_OPTION_TYPE,
  decodeRplMessage,
  decodeRplOptions,
  encodeRplMessage,
  encodeRplOptions,
  rplCode,
  rplToIcmpv6,
  type RplMessage,
  type RplOption,
} from '../../../src/stack/rpl/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';
import { rec } from '../ipv6/arbitraries.ts';
import { LINKTYPE_IPV6, tsharkFields } from '../ipv6/tshark-local.ts';

const A = parseIpv6Address;
const reason = (re: RegExp) => (e: unknown) => e instanceof DecodeError && re.test(e.reason);

// Vectors from smoltcp src/wire/rpl.rs tests (dio_packet, dao_packet, dao_ack_packet, dis_packet):
// whole ICMPv6 messages (type 9b, code, checksum 0000 as generated there); the RPL body starts at byte 4.
const DIO =
  '9b010000' +
  '00f00080' +
  '08f00000' +
  'fd000000000000000201000100010001' +
  '040e00080c000400008000010' +
  '01e003c' +
  '081e4040ffffffffffffffff00000000fd000000000000000000000000000000';
const DAO =
  '9b020000' +
  '008000f1' +
  '05120080fd000000000000000202000200020002' +
  '061400000' +
  '01efd000000000000000201000100010001';
const DAO_ACK = '9b030000' + '0000f100';
const DAO_ACK_D = '9b030000' + '1e80f000' + 'fe800000000000000200000000000001';
const body = (hex: string) => fromHex(hex).subarray(4);

test('DIO vector: header fields, DODAG Configuration and Prefix Information (smoltcp rpl.rs)', () => {
  const m = decodeRplMessage(RPL_CODE.DIO, body(DIO));
  assert.ok(m.kind === 'dio');
  assert.deepEqual(
    [m.instanceId, m.version, m.rank, m.grounded, m.mop, m.preference, m.dtsn, formatIpv6Address(m.dodagId)],
    [0, 240, 128, false, MOP.NON_STORING, 0, 240, 'fd00::201:1:1:1'],
  );
  assert.deepEqual(m.options, [
    {
      type: RPL_OPTION_TYPE.DODAG_CONFIGURATION,
      flags: 0,
      authenticationEnabled: false,
      pathControlSize: 0,
      dioIntervalDoublings: 8,
      dioIntervalMin: 12,
      dioRedundancyConstant: 0,
      maxRankIncrease: 1024,
      minHopRankIncrease: 128,
      objectiveCodePoint: OCP.MRHOF,
      defaultLifetime: 30,
      lifetimeUnit: 60,
    },
    {
      type: RPL_OPTION_TYPE.PREFIX_INFORMATION,
      prefixLength: 64,
      onLink: false,
      autonomous: true,
      routerAddress: false,
      validLifetime: 0xffffffff,
      preferredLifetime: 0xffffffff,
      prefix: A('fd00::'),
    },
  ]);
  assert.equal(toHex(encodeRplMessage(m)), toHex(body(DIO)));
});

test('DAO vector: K flag, no DODAGID, RPL Target and non-storing Transit Information', () => {
  const m = decodeRplMessage(RPL_CODE.DAO, body(DAO));
  assert.ok(m.kind === 'dao');
  assert.deepEqual([m.instanceId, m.expectAck, m.sequence, m.dodagId], [0, true, 241, undefined]);
  assert.deepEqual(m.options, [
    { type: RPL_OPTION_TYPE.RPL_TARGET, prefixLength: 128, prefix: A('fd00::202:2:2:2') },
    {
      type: RPL_OPTION_TYPE.TRANSIT_INFORMATION,
      external: false,
      pathControl: 0,
      pathSequence: 0,
      pathLifetime: 30,
      parentAddress: A('fd00::201:1:1:1'),
    },
  ]);
  assert.equal(toHex(encodeRplMessage(m)), toHex(body(DAO)));
});

test('DAO-ACK vectors, with and without DODAGID', () => {
  assert.deepEqual(decodeRplMessage(RPL_CODE.DAO_ACK, body(DAO_ACK)), {
    kind: 'dao-ack',
    instanceId: 0,
    sequence: 241,
    status: 0,
    options: [],
  });
  const d = decodeRplMessage(RPL_CODE.DAO_ACK, body(DAO_ACK_D));
  assert.deepEqual(d, {
    kind: 'dao-ack',
    instanceId: 30,
    sequence: 240,
    status: 0,
    dodagId: A('fe80::200:0:0:1'),
    options: [],
  });
  assert.equal(toHex(encodeRplMessage(d)), toHex(body(DAO_ACK_D)));
});

test('DIS vector (smoltcp dis_packet ICMPv6 body 0000)', () => {
  assert.deepEqual(decodeRplMessage(RPL_CODE.DIS, fromHex('0000')), { kind: 'dis', options: [] });
  assert.equal(rplCode({ kind: 'dis', options: [] }), 0);
});

test('secure and unknown codes are refused; flags the RFC says to ignore are ignored', () => {
  for (const code of [0x80, 0x81, 0x82, 0x83, 0x8a]) {
    assert.throws(() => decodeRplMessage(code, body(DIO)), reason(/secure RPL not supported/));
  }
  assert.throws(
    () => decodeRplMessage(0x07, fromHex('0000')),
    reason(/unknown RPL control message code 0x7/),
  );
  const flagged = body(DIO).slice();
  flagged[6] = 0xff; // DIO Flags
  flagged[7] = 0xff; // Reserved
  assert.deepEqual(decodeRplMessage(1, flagged), decodeRplMessage(1, body(DIO)));
});

test('strict option lengths (RFC 6550 §6.7)', () => {
  const cases: [string, RegExp][] = [
    ['040d' + '00'.repeat(13), /DODAG Configuration option length 13/],
    ['040f' + '00'.repeat(15), /DODAG Configuration option length 15/],
    ['0605' + '00'.repeat(5), /Transit Information option length 5/],
    ['0712' + '00'.repeat(18), /Solicited Information/],
    ['081d' + '00'.repeat(29), /Prefix Information/],
    ['0903' + '00'.repeat(3), /Target Descriptor/],
    ['0106' + '00'.repeat(6), /PadN option length 6/],
    ['0301' + '00', /Route Information option length 1/],
    ['0501' + '00', /RPL Target option length 1/],
    ['05030040' + '00', /carries 1 prefix bytes for a \/64/], // /64 needs 8 bytes
    ['0512' + '0081' + '00'.repeat(16), /prefix length 129/],
    ['0a05' + '0000', /truncated/], // unknown option must still fit
  ];
  for (const [hex, re] of cases) assert.throws(() => decodeRplOptions(fromHex(hex)), reason(re), hex);
  // unknown options are skipped (kept as bytes)
  assert.deepEqual(decodeRplOptions(fromHex('0a020102 00')), [
    { type: 'unknown', optionType: 10, data: Uint8Array.of(1, 2) },
    { type: 0 },
  ]);
});

test('all option kinds round trip with their published layout', () => {
  const options: RplOption[] = [
    { type: RPL_OPTION_TYPE.PAD1 },
    { type: RPL_OPTION_TYPE.PADN, length: 3 },
    { type: RPL_OPTION_TYPE.DAG_METRIC_CONTAINER, data: fromHex('07000200') },
    {
      type: RPL_OPTION_TYPE.ROUTE_INFORMATION,
      prefixLength: 48,
      preference: 1,
      routeLifetime: 600,
      prefix: A('2001:db8:1::'),
    },
    {
      type: RPL_OPTION_TYPE.SOLICITED_INFORMATION,
      instanceId: 1,
      versionPredicate: true,
      instanceIdPredicate: true,
      dodagIdPredicate: false,
      dodagId: A('fd00::1'),
      version: 7,
    },
    {
      type: RPL_OPTION_TYPE.TRANSIT_INFORMATION,
      external: true,
      pathControl: 0x80,
      pathSequence: 3,
      pathLifetime: 0xff,
    },
    { type: RPL_OPTION_TYPE.TARGET_DESCRIPTOR, descriptor: 0xdeadbeef },
  ];
  const bytes = encodeRplOptions(options);
  assert.equal(
    toHex(bytes),
    '00' +
      '0103000000' +
      '020407000200' +
      '030c30' +
      '08' +
      '00000258' +
      '20010db80001' +
      '0713' +
      '01c0' +
      'fd000000000000000000000000000001' +
      '07' +
      '0604' +
      '80800' +
      '3ff' +
      '0904deadbeef',
  );
  assert.deepEqual(decodeRplOptions(bytes), options);
});

test('tshark reads our DIO, DAO and DAO-ACK the same way', () => {
  const root = A('fd00::1');
  const dio: RplMessage = {
    kind: 'dio',
    instanceId: 0x1e,
    version: 3,
    rank: 256,
    grounded: true,
    mop: FIELD_DODAG_DEFAULTS.mop,
    preference: 5,
    dtsn: 9,
    dodagId: root,
    options: [
      {
        type: RPL_OPTION_TYPE.DODAG_CONFIGURATION,
        flags: 0,
        authenticationEnabled: false,
        pathControlSize: 2,
        dioIntervalDoublings: FIELD_DODAG_DEFAULTS.dioIntervalDoublings,
        dioIntervalMin: FIELD_DODAG_DEFAULTS.dioIntervalMin,
        dioRedundancyConstant: FIELD_DODAG_DEFAULTS.dioRedundancyConstant,
        maxRankIncrease: FIELD_DODAG_DEFAULTS.maxRankIncrease,
        minHopRankIncrease: FIELD_DODAG_DEFAULTS.minHopRankIncrease,
        objectiveCodePoint: FIELD_DODAG_DEFAULTS.objectiveCodePoint,
        defaultLifetime: FIELD_DODAG_DEFAULTS.defaultLifetime,
        lifetimeUnit: FIELD_DODAG_DEFAULTS.lifetimeUnit,
      },
      {
        type: RPL_OPTION_TYPE.PREFIX_INFORMATION,
        prefixLength: 64,
        onLink: false,
        autonomous: true,
        routerAddress: true,
        validLifetime: 86400,
        preferredLifetime: 14400,
        prefix: root,
      },
    ],
  };
  const dao: RplMessage = {
    kind: 'dao',
    instanceId: 0x1e,
    expectAck: true,
    sequence: 17,
    dodagId: root,
    options: [
      { type: RPL_OPTION_TYPE.RPL_TARGET, prefixLength: 128, prefix: A('fd00::212:4b00:0:7') },
      {
        type: RPL_OPTION_TYPE.TRANSIT_INFORMATION,
        external: false,
        pathControl: 0,
        pathSequence: 4,
        pathLifetime: 30,
        parentAddress: A('fd00::212:4b00:0:2'),
      },
    ],
  };
  const ack: RplMessage = {
    kind: 'dao-ack',
    instanceId: 0x1e,
    sequence: 17,
    status: 130,
    dodagId: root,
    options: [],
  };
  const packets = [dio, dao, ack].map((m) =>
    encodePacket({
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: 255,
      source: A('fe80::1'),
      destination: m.kind === 'dio' ? ALL_RPL_NODES : A('fd00::2'),
      upper: { kind: 'icmpv6', message: rplToIcmpv6(m) },
    }),
  );
  const rows = tsharkFields(LINKTYPE_IPV6, packets, [
    'icmpv6.checksum.status',
    'icmpv6.rpl.dio.rank',
    'icmpv6.rpl.dio.dagid',
    'icmpv6.rpl.dio.flag.mop',
    'icmpv6.rpl.dio.flag.preference',
    'icmpv6.rpl.opt.config.interval_min',
    'icmpv6.rpl.opt.config.ocp',
    'icmpv6.rpl.opt.prefix',
    'icmpv6.rpl.dao.sequence',
    'icmpv6.rpl.opt.target.prefix',
    'icmpv6.rpl.opt.transit.parent',
    'icmpv6.rpl.daoack.status',
    'icmpv6.rpl.daoack.dodagid',
    '_ws.malformed',
    '_ws.expert.severity',
  ]);
  assert.deepEqual(rows[0]!.slice(0, 8), ['1', '256', 'fd00::1', '0x01', '5', '12', '1', 'fd00::1']);
  assert.deepEqual(rows[1]!.slice(8, 11), ['17', 'fd00::212:4b00:0:7', 'fd00::212:4b00:0:2']);
  assert.deepEqual(rows[2]!.slice(11, 13), ['130', 'fd00::1']);
  for (const r of rows) {
    assert.equal(r[0], '1');
    assert.equal(r[13] ?? '', '');
  }
});

// ---------------------------------------------------------------------------------------------
// Properties and fuzz

const u8 = fc.nat({ max: 255 });
const u16 = fc.nat({ max: 0xffff });
const u32 = fc.nat({ max: 0xffffffff });
const address = fc.uint8Array({ minLength: 16, maxLength: 16 });
const prefixed = fc
  .tuple(fc.nat({ max: 128 }), address)
  .map(([prefixLength, p]) => ({ prefixLength, prefix: maskPrefix(p, prefixLength) }));

const optionArb: fc.Arbitrary<RplOption> = fc.oneof(
  fc.constant({ type: RPL_OPTION_TYPE.PAD1 }),
  rec({ type: fc.constant(RPL_OPTION_TYPE.PADN), length: fc.nat({ max: 5 }) }),
  rec({ type: fc.constant(RPL_OPTION_TYPE.DAG_METRIC_CONTAINER), data: fc.uint8Array({ maxLength: 20 }) }),
  fc.tuple(prefixed, fc.nat({ max: 3 }), u32).map(([p, preference, routeLifetime]) => ({
    type: RPL_OPTION_TYPE.ROUTE_INFORMATION,
    ...p,
    preference,
    routeLifetime,
  })),
  rec({
    type: fc.constant(RPL_OPTION_TYPE.DODAG_CONFIGURATION),
    flags: fc.nat({ max: 15 }),
    authenticationEnabled: fc.boolean(),
    pathControlSize: fc.nat({ max: 7 }),
    dioIntervalDoublings: u8,
    dioIntervalMin: u8,
    dioRedundancyConstant: u8,
    maxRankIncrease: u16,
    minHopRankIncrease: u16,
    objectiveCodePoint: u16,
    defaultLifetime: u8,
    lifetimeUnit: u16,
  }),
  prefixed.map((p) => ({ type: RPL_OPTION_TYPE.RPL_TARGET, ...p })),
  fc
    .tuple(fc.boolean(), u8, u8, u8, fc.option(address, { nil: undefined }))
    .map(([external, pathControl, pathSequence, pathLifetime, parentAddress]) => {
      const o: RplOption = {
        type: RPL_OPTION_TYPE.TRANSIT_INFORMATION,
        external,
        pathControl,
        pathSequence,
        pathLifetime,
      };
      if (parentAddress) o.parentAddress = parentAddress;
      return o;
    }),
  rec({
    type: fc.constant(RPL_OPTION_TYPE.SOLICITED_INFORMATION),
    instanceId: u8,
    versionPredicate: fc.boolean(),
    instanceIdPredicate: fc.boolean(),
    dodagIdPredicate: fc.boolean(),
    dodagId: address,
    version: u8,
  }),
  rec({
    type: fc.constant(RPL_OPTION_TYPE.PREFIX_INFORMATION),
    prefixLength: fc.nat({ max: 128 }),
    onLink: fc.boolean(),
    autonomous: fc.boolean(),
    routerAddress: fc.boolean(),
    validLifetime: u32,
    preferredLifetime: u32,
    prefix: address,
  }),
  rec({ type: fc.constant(RPL_OPTION_TYPE.TARGET_DESCRIPTOR), descriptor: u32 }),
  rec({
    type: fc.constant('unknown' as const),
    optionType: fc.integer({ min: 10, max: 255 }),
    data: fc.uint8Array({ maxLength: 12 }),
  }),
);
const options = fc.array(optionArb, { maxLength: 5 });

const messageArb: fc.Arbitrary<RplMessage> = fc.oneof(
  rec({ kind: fc.constant('dis' as const), options }),
  rec({
    kind: fc.constant('dio' as const),
    instanceId: u8,
    version: u8,
    rank: u16,
    grounded: fc.boolean(),
    mop: fc.nat({ max: 7 }),
    preference: fc.nat({ max: 7 }),
    dtsn: u8,
    dodagId: address,
    options,
  }),
  fc
    .tuple(u8, fc.boolean(), u8, fc.option(address, { nil: undefined }), options)
    .map(([instanceId, expectAck, sequence, dodagId, opts]) => {
      const m: RplMessage = { kind: 'dao', instanceId, expectAck, sequence, options: opts };
      if (dodagId) m.dodagId = dodagId;
      return m;
    }),
  fc
    .tuple(u8, u8, u8, fc.option(address, { nil: undefined }), options)
    .map(([instanceId, sequence, status, dodagId, opts]) => {
      const m: RplMessage = { kind: 'dao-ack', instanceId, sequence, status, options: opts };
      if (dodagId) m.dodagId = dodagId;
      return m;
    }),
);

test('fast-check: decodeRplMessage(encodeRplMessage(m)) = m', () => {
  fc.assert(
    fc.property(messageArb, (m) => assert.deepEqual(decodeRplMessage(rplCode(m), encodeRplMessage(m)), m)),
    { numRuns: 2000 },
  );
});

test('fuzz: RPL message decoder, every code (10,000 runs per code)', () => {
  const samples = [
    body(DIO),
    body(DAO),
    body(DAO_ACK),
    body(DAO_ACK_D),
    fromHex('0000'),
    ...fc.sample(messageArb, { numRuns: 30, seed: 5 }).map(encodeRplMessage),
  ];
  for (const code of [0, 1, 2, 3]) {
    const { rejected } = fuzzDecoder((b) => decodeRplMessage(code, b), samples, {
      runs: 10_000,
      seed: 0x5eed + code,
    });
    assert.ok(rejected > 0);
  }
});
