/**
 * Wireshark conformance (issue #2, DESIGN.md §7): every message type FieldRoot puts on the air is
 * encoded by this project's codecs into 802.15.4 frames as a sniffer beside the tablet would see
 * them, written to a pcapng (link type 283, 802.15.4 TAP), and decoded by tshark — a program this
 * project did not write — with the network key. For every packet the test asserts: decrypted
 * (where the frame is secured), FCS correct, no malformed packet or expert warning/error, and the
 * key fields equal what was encoded.
 *
 * What is secured on air and what is not follows ZigBee IP / the design: a meter that has not yet
 * joined has no network key, so PANA between a joining meter (PaC) and its relay travels in
 * unsecured MAC frames (PANA protects itself with AUTH once keys exist); MLE carries its own
 * CCM* security (suite 0) in unsecured MAC frames; everything else uses MAC security level 5
 * (ENC-MIC-32) with key-id mode 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCrypto } from '../../src/stack/crypto/index.ts';
import { toHex, fromHex } from '../../src/stack/wire/index.ts';
import { encodeFrame, FRAME_TYPE, FRAME_VERSION, secureFrame } from '../../src/stack/ieee802154/index.ts';
import type { MacFrame } from '../../src/stack/ieee802154/index.ts';
import { wiresharkKeyRecords, writeIeee802154Capture } from '../../src/stack/capture/index.ts';
import {
  encodePacket,
  formatIpv6Address,
  linkLocalFromEui64,
  parseIpv6Address,
  type Ipv6Packet,
} from '../../src/stack/ipv6/index.ts';
import { compressIphc, contextTable, fragment, linkAddressFromMac } from '../../src/stack/sixlowpan/index.ts';
import { MOP, OCP, RPL_OPTION_TYPE, rplToIcmpv6, type RplMessage } from '../../src/stack/rpl/index.ts';
import {
  encodePanaMessage,
  PANA_FLAG,
  PANA_MESSAGE_TYPE,
  PANA_RESULT_CODE,
  PANA_TERMINATION_CAUSE,
  PRF_HMAC_SHA2_256,
  AUTH_HMAC_SHA2_256_128,
  relayedMessageAvp,
  type PanaMessage,
} from '../../src/stack/pana/index.ts';
import {
  buildEapPskPChannelPacket,
  computeEapPskMacP,
  computeEapPskMacS,
  deriveEapPskAkKdk,
  deriveEapPskSessionKeys,
  encodeEapPskPacket,
  EAP_PSK_RESULT,
} from '../../src/stack/eap/index.ts';
import { deriveLinkKeys, MLE_COMMAND, sealMle, type MleMessage } from '../../src/stack/mle/index.ts';
import { encodeFrame as encodeEchonetFrame, ESV, EOJ } from '../../src/stack/echonet/index.ts';
import { tsharkFields, tsharkProblems, type TsharkOptions } from '../support/tshark.ts';

const crypto = getCrypto();

// --- The field: a tablet (RPL root, PANA relay) and three meters, meter 3 two hops away. ---
const NETWORK_KEY = fromHex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf');
const KEY_INDEX = 1;
const PAN_ID = 0x7a3c;
const CHANNEL = 33; // ARIB 920 MHz channel 33 (922.5 MHz), SUN page 9
const PAGE = 9;
const MESH_PREFIX = parseIpv6Address('2001:db8:1:2::');
const HEADEND_AMR = parseIpv6Address('2001:db8:ffff::10');
const HEADEND_PAA = parseIpv6Address('2001:db8:ffff::20');
const TABLET = 0x00124b0000000001n;
const METER1 = 0x00124b0000000a01n;
const METER2 = 0x00124b0000000a02n;
const METER3 = 0x00124b0000000a03n;
const BROADCAST = 0xffff;

const { macKey, mleKey } = deriveLinkKeys(crypto, NETWORK_KEY);
const contexts = contextTable(MESH_PREFIX, 64);

function global(eui: bigint): Uint8Array {
  const a = linkLocalFromEui64(eui);
  a.set(MESH_PREFIX.subarray(0, 8), 0);
  return a;
}
const ALL_RPL_NODES = parseIpv6Address('ff02::1a');
const ll = linkLocalFromEui64;

// --- What goes on air, and what tshark must read back. ---
interface AirPacket {
  name: string;
  macSource: bigint;
  macDestination: bigint | typeof BROADCAST;
  secured: boolean;
  ip: Ipv6Packet;
  /** Largest MAC payload for this packet's frames: forces 6LoWPAN fragmentation when small. */
  maxMacPayload?: number;
  /** tshark field → expected value, checked on the frame that completes the datagram. */
  expect: Record<string, string>;
}

function ipv6(
  source: Uint8Array,
  destination: Uint8Array,
  upper: Ipv6Packet['upper'],
  extra: Partial<Ipv6Packet> = {},
): Ipv6Packet {
  return { trafficClass: 0, flowLabel: 0, hopLimit: 64, source, destination, upper, ...extra };
}

function rpl(m: RplMessage): Ipv6Packet['upper'] {
  return { kind: 'icmpv6', message: rplToIcmpv6(m) };
}

function udp(sourcePort: number, destinationPort: number, payload: Uint8Array): Ipv6Packet['upper'] {
  return { kind: 'udp', datagram: { sourcePort, destinationPort, payload } };
}

/** How tshark prints PANA's 32-bit fields. */
function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function pana(m: PanaMessage, authKey?: Uint8Array): Uint8Array {
  return encodePanaMessage(m, authKey ? { auth: { crypto, key: authKey } } : {});
}

function buildAir(): AirPacket[] {
  const packets: AirPacket[] = [];
  const root = global(TABLET);
  const m1 = global(METER1);
  const m2 = global(METER2);
  const m3 = global(METER3);

  // RPL (RFC 6550): DIS from a parentless meter, DIO from the root, DAO up, DAO-ACK down.
  packets.push({
    name: 'RPL DIS',
    macSource: METER1,
    macDestination: BROADCAST,
    secured: true,
    ip: ipv6(ll(METER1), ALL_RPL_NODES, rpl({ kind: 'dis', options: [] }), { hopLimit: 255 }),
    expect: { 'icmpv6.type': '155', 'icmpv6.code': '0' },
  });
  packets.push({
    name: 'RPL DIO',
    macSource: TABLET,
    macDestination: BROADCAST,
    secured: true,
    ip: ipv6(
      ll(TABLET),
      ALL_RPL_NODES,
      rpl({
        kind: 'dio',
        instanceId: 0,
        version: 3,
        rank: 256,
        grounded: true,
        mop: MOP.NON_STORING,
        preference: 0,
        dtsn: 7,
        dodagId: root,
        options: [
          {
            type: RPL_OPTION_TYPE.DODAG_CONFIGURATION,
            flags: 0,
            authenticationEnabled: false,
            pathControlSize: 0,
            dioIntervalDoublings: 8,
            dioIntervalMin: 12,
            dioRedundancyConstant: 10,
            maxRankIncrease: 2048,
            minHopRankIncrease: 256,
            objectiveCodePoint: OCP.MRHOF,
            defaultLifetime: 30,
            lifetimeUnit: 60,
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
      }),
      { hopLimit: 255 },
    ),
    expect: {
      'icmpv6.code': '1',
      'icmpv6.rpl.dio.rank': '256',
      'icmpv6.rpl.dio.version': '3',
      'icmpv6.rpl.dio.dtsn': '7',
      'icmpv6.rpl.dio.dagid': formatIpv6Address(root),
      'icmpv6.rpl.opt.config.ocp': '1',
    },
  });
  packets.push({
    name: 'RPL DAO (non-storing, via meter 2)',
    macSource: METER2,
    macDestination: TABLET,
    secured: true,
    ip: ipv6(
      m3,
      root,
      rpl({
        kind: 'dao',
        instanceId: 0,
        expectAck: true,
        sequence: 42,
        options: [
          { type: RPL_OPTION_TYPE.RPL_TARGET, prefixLength: 128, prefix: m3 },
          {
            type: RPL_OPTION_TYPE.TRANSIT_INFORMATION,
            external: false,
            pathControl: 0,
            pathSequence: 5,
            pathLifetime: 30,
            parentAddress: m2,
          },
        ],
      }),
      {
        hopLimit: 63,
        hopByHop: [
          {
            kind: 'rpl',
            rpl: {
              optionType: 0x63,
              down: false,
              rankError: false,
              forwardingError: false,
              instanceId: 0,
              senderRank: 512,
              subTlvs: new Uint8Array(0),
            },
          },
        ],
      },
    ),
    expect: {
      'icmpv6.code': '2',
      'icmpv6.rpl.dao.sequence': '42',
      'icmpv6.rpl.opt.target.prefix': formatIpv6Address(m3),
      'icmpv6.rpl.opt.transit.parent': formatIpv6Address(m2),
      'ipv6.src': formatIpv6Address(m3),
    },
  });
  packets.push({
    name: 'RPL DAO-ACK (source-routed to meter 3)',
    macSource: TABLET,
    macDestination: METER2,
    secured: true,
    ip: ipv6(root, m2, rpl({ kind: 'dao-ack', instanceId: 0, sequence: 42, status: 0, options: [] }), {
      routing: { routingType: 3, segmentsLeft: 1, addresses: [m3] },
    }),
    expect: {
      'icmpv6.code': '3',
      'icmpv6.rpl.daoack.sequence': '42',
      'icmpv6.rpl.daoack.status': '0',
      'ipv6.routing.type': '3',
      'icmpv6.checksum.status': '1',
    },
  });

  // ICMPv6 echo (RFC 4443) from the head-end side to meter 1 and back.
  const echoData = new TextEncoder().encode('fieldroot-echo-0001');
  packets.push({
    name: 'ICMPv6 echo request',
    macSource: TABLET,
    macDestination: METER1,
    secured: true,
    ip: ipv6(HEADEND_AMR, m1, {
      kind: 'icmpv6',
      message: { kind: 'echo-request', identifier: 0x1f2e, sequence: 7, data: echoData },
    }),
    expect: {
      'icmpv6.type': '128',
      'icmpv6.echo.identifier': '0x1f2e',
      'icmpv6.echo.sequence_number': '7',
      'icmpv6.checksum.status': '1',
    },
  });
  packets.push({
    name: 'ICMPv6 echo reply',
    macSource: METER1,
    macDestination: TABLET,
    secured: true,
    ip: ipv6(m1, HEADEND_AMR, {
      kind: 'icmpv6',
      message: { kind: 'echo-reply', identifier: 0x1f2e, sequence: 7, data: echoData },
    }),
    expect: {
      'icmpv6.type': '129',
      'icmpv6.echo.sequence_number': '7',
      'ipv6.dst': formatIpv6Address(HEADEND_AMR),
    },
  });

  // PANA with EAP-PSK for meter 3, which joins through meter 2 (RFC 6345 relay).
  const psk = fromHex('000102030405060708090a0b0c0d0e0f');
  const randS = fromHex('101112131415161718191a1b1c1d1e1f');
  const randP = fromHex('202122232425262728292a2b2c2d2e2f');
  const idS = new TextEncoder().encode('keys.headend.example');
  const idP = new TextEncoder().encode(`meter-${METER3.toString(16)}`);
  const { ak, kdk } = deriveEapPskAkKdk(crypto, psk);
  const { tek } = deriveEapPskSessionKeys(crypto, kdk, randP);
  const eap1 = encodeEapPskPacket(1, { t: 0, randS, idS });
  const eap2 = encodeEapPskPacket(1, {
    t: 1,
    randS,
    randP,
    macP: computeEapPskMacP(crypto, ak, { idP, idS, randS, randP }),
    idP,
  });
  const eap3 = buildEapPskPChannelPacket(crypto, tek, {
    t: 2,
    identifier: 2,
    randS,
    macS: computeEapPskMacS(crypto, ak, { idS, randP }),
    nonce: 0,
    data: { result: EAP_PSK_RESULT.DONE_SUCCESS },
  });
  const sessionId = 0x5e55_1001;
  const authKey = crypto.hmacSha256(fromHex('aa'), new TextEncoder().encode('test PANA_AUTH_KEY')); // 32 bytes
  const msg = (
    type: PanaMessage['type'],
    flags: number,
    sequence: number,
    avps: PanaMessage['avps'] = [],
  ): PanaMessage => ({
    type,
    flags,
    sessionId,
    sequence,
    avps,
  });
  const algorithms: PanaMessage['avps'] = [
    { kind: 'prf-algorithm', algorithm: PRF_HMAC_SHA2_256 },
    { kind: 'integrity-algorithm', algorithm: AUTH_HMAC_SHA2_256_128 },
  ];
  const { AUTH, NOTIFICATION, TERMINATION } = PANA_MESSAGE_TYPE;
  const { REQUEST, START, COMPLETE, PING } = PANA_FLAG;
  const pci: PanaMessage = { type: PANA_MESSAGE_TYPE.PCI, flags: 0, sessionId: 0, sequence: 0, avps: [] };
  const par1 = msg(AUTH, REQUEST | START, 100, algorithms);
  const pan1 = msg(AUTH, START, 100, algorithms);
  const par2 = msg(AUTH, REQUEST, 101, [
    { kind: 'nonce', nonce: randS },
    { kind: 'eap-payload', eap: eap1 },
  ]);
  const pan2 = msg(AUTH, 0, 101, [
    { kind: 'nonce', nonce: randP },
    { kind: 'eap-payload', eap: eap2 },
  ]);
  const par3 = msg(AUTH, REQUEST | COMPLETE, 102, [
    { kind: 'result-code', resultCode: PANA_RESULT_CODE.PANA_SUCCESS },
    { kind: 'eap-payload', eap: eap3 },
    { kind: 'key-id', keyId: 1 },
    { kind: 'session-lifetime', seconds: 86400 },
  ]);
  const pan3 = msg(AUTH, COMPLETE, 102, [{ kind: 'key-id', keyId: 1 }]);
  const pnr = msg(NOTIFICATION, REQUEST | PING, 103);
  const pna = msg(NOTIFICATION, PING, 103);
  const ptr = msg(TERMINATION, REQUEST, 104, [
    { kind: 'termination-cause', cause: PANA_TERMINATION_CAUSE.ADMINISTRATIVE },
  ]);
  const pta = msg(TERMINATION, 0, 104);

  // Hop 1: the joining meter 3 ↔ its relay (meter 2), link-local, unsecured MAC (no key yet).
  const pacHop = (
    name: string,
    fromPac: boolean,
    message: Uint8Array,
    expect: Record<string, string>,
  ): void => {
    packets.push({
      name: `PANA ${name} (PaC ↔ relay, unsecured MAC)`,
      macSource: fromPac ? METER3 : METER2,
      macDestination: fromPac ? METER2 : METER3,
      secured: false,
      ip: ipv6(fromPac ? ll(METER3) : ll(METER2), fromPac ? ll(METER2) : ll(METER3), udp(716, 716, message), {
        hopLimit: 255,
      }),
      expect: { 'udp.dstport': '716', ...expect },
    });
  };
  // Hop 2: the relay ↔ the key server (through the tablet), in PRY messages, secured MAC.
  const relayed = (
    name: string,
    toPaa: boolean,
    inner: Uint8Array,
    expectInner: Record<string, string>,
  ): void => {
    const pry: PanaMessage = {
      type: PANA_MESSAGE_TYPE.RELAY,
      flags: 0,
      sessionId: 0,
      sequence: 0,
      avps: [{ kind: 'pac-information', address: ll(METER3), port: 716 }, relayedMessageAvp(inner)],
    };
    packets.push({
      name: `PANA PRY carrying ${name} (relay ↔ PAA, secured MAC)`,
      macSource: toPaa ? METER2 : TABLET,
      macDestination: toPaa ? TABLET : METER2,
      secured: true,
      ip: ipv6(toPaa ? m2 : HEADEND_PAA, toPaa ? HEADEND_PAA : m2, udp(716, 716, pana(pry))),
      expect: { 'udp.dstport': '716', ...expectInner },
    });
  };
  const pciBytes = pana(pci);
  pacHop('PCI', true, pciBytes, { 'pana.type': '1' });
  relayed('PCI', true, pciBytes, { 'pana.type': '5,1', 'pana.avp.code': '10,11' });
  const par1Bytes = pana(par1);
  relayed('PAR (S)', false, par1Bytes, {
    'pana.type': '5,2',
    'pana.seq': `${hex32(0)},${hex32(100)}`,
    'pana.avp.code': '10,11,6,3',
  });
  pacHop('PAR (S)', false, par1Bytes, {
    'pana.type': '2',
    'pana.sid': hex32(sessionId),
    'pana.seq': hex32(100),
  });
  pacHop('PAN (S)', true, pana(pan1), { 'pana.type': '2', 'pana.seq': hex32(100) });
  pacHop('PAR + EAP-PSK 1', false, pana(par2), { 'pana.type': '2', 'eap.type': '47', 'eap.code': '1' });
  const pan2Bytes = pana(pan2);
  pacHop('PAN + EAP-PSK 2', true, pan2Bytes, { 'pana.type': '2', 'eap.type': '47', 'eap.code': '2' });
  relayed('PAN + EAP-PSK 2', true, pan2Bytes, {
    'pana.type': '5,2',
    'pana.avp.code': '10,11,5,2',
    'eap.type': '47',
  });
  pacHop('PAR (C) + EAP-PSK 3', false, pana(par3, authKey), {
    'pana.type': '2',
    'pana.seq': hex32(102),
    'eap.type': '47',
  });
  pacHop('PAN (C)', true, pana(pan3, authKey), { 'pana.type': '2', 'pana.seq': hex32(102) });

  // After joining, meter 3 is on the network: PNR/PNA ping and PTR/PTA travel secured.
  const joined = (
    name: string,
    fromPac: boolean,
    message: Uint8Array,
    expect: Record<string, string>,
  ): void => {
    packets.push({
      name: `PANA ${name} (joined, secured MAC)`,
      macSource: fromPac ? METER3 : METER2,
      macDestination: fromPac ? METER2 : METER3,
      secured: true,
      ip: ipv6(fromPac ? m3 : HEADEND_PAA, fromPac ? HEADEND_PAA : m3, udp(716, 716, message)),
      expect: { 'udp.dstport': '716', ...expect },
    });
  };
  joined('PNR (ping)', false, pana(pnr, authKey), { 'pana.type': '4', 'pana.seq': hex32(103) });
  joined('PNA (ping)', true, pana(pna, authKey), { 'pana.type': '4', 'pana.seq': hex32(103) });
  joined('PTR', false, pana(ptr, authKey), { 'pana.type': '3', 'pana.seq': hex32(104) });
  joined('PTA', true, pana(pta, authKey), { 'pana.type': '3', 'pana.seq': hex32(104) });

  // MLE Link Request / Link Accept (UDP 19788), CCM*-secured at the MLE layer (suite 0).
  const mle = (
    name: string,
    from: bigint,
    to: bigint,
    message: MleMessage,
    counter: number,
    expect: Record<string, string>,
  ): void => {
    const bytes = sealMle(
      crypto,
      message,
      {
        securityLevel: 5,
        keyIdMode: 2,
        keySource: fromHex('00000001'),
        keyIndex: KEY_INDEX,
        frameCounter: counter,
      },
      {
        key: mleKey,
        sourceExtendedAddress: from,
        ipv6Source: ll(from),
        ipv6Destination: ll(to),
      },
    );
    packets.push({
      name,
      macSource: from,
      macDestination: to,
      secured: false,
      ip: ipv6(ll(from), ll(to), udp(19788, 19788, bytes), { hopLimit: 255 }),
      expect: { 'udp.dstport': '19788', ...expect },
    });
  };
  const challenge = fromHex('0102030405060708');
  mle(
    'MLE Link Request',
    METER3,
    METER2,
    {
      command: MLE_COMMAND.LINK_REQUEST,
      tlvs: [
        { kind: 'source-address', address: fromHex(METER3.toString(16).padStart(16, '0')) },
        { kind: 'challenge', challenge },
      ],
    },
    1,
    { 'mle.cmd': '0' },
  );
  mle(
    'MLE Link Accept',
    METER2,
    METER3,
    {
      command: MLE_COMMAND.LINK_ACCEPT,
      tlvs: [
        { kind: 'source-address', address: fromHex(METER2.toString(16).padStart(16, '0')) },
        { kind: 'response', response: challenge },
        { kind: 'link-layer-frame-counter', counter: 1234 },
        { kind: 'mle-frame-counter', counter: 5 },
      ],
    },
    2,
    { 'mle.cmd': '1' },
  );

  // ECHONET Lite (UDP 3610): the AMR server reads meter 1 (Get E0, E7), the meter answers.
  // The answer also carries the E2 half-hourly history (194 bytes), sent in small frames to
  // exercise 6LoWPAN fragmentation (RFC 4944 §5.3) in Wireshark's reassembly.
  const get = encodeEchonetFrame({
    tid: 0x0102,
    seoj: EOJ.CONTROLLER,
    deoj: EOJ.SMART_METER,
    esv: ESV.Get,
    properties: [
      { epc: 0xe0, edt: new Uint8Array(0) },
      { epc: 0xe7, edt: new Uint8Array(0) },
    ],
  });
  const history = new Uint8Array(2 + 48 * 4);
  new DataView(history.buffer).setUint16(0, 1);
  for (let i = 0; i < 48; i++)
    new DataView(history.buffer).setUint32(2 + 4 * i, i < 40 ? 1000 + i : 0xfffffffe);
  const res = encodeEchonetFrame({
    tid: 0x0102,
    seoj: EOJ.SMART_METER,
    deoj: EOJ.CONTROLLER,
    esv: ESV.Get_Res,
    properties: [
      { epc: 0xe0, edt: fromHex('0001e240') },
      { epc: 0xe7, edt: fromHex('000001f8') },
      { epc: 0xe2, edt: history },
    ],
  });
  packets.push({
    name: 'ECHONET Lite Get',
    macSource: TABLET,
    macDestination: METER1,
    secured: true,
    ip: ipv6(HEADEND_AMR, m1, udp(3610, 3610, get)),
    expect: { 'udp.dstport': '3610', 'data.data': toHex(get), 'udp.checksum.status': '1' },
  });
  packets.push({
    name: 'ECHONET Lite Get_Res with E2 history (fragmented)',
    macSource: METER1,
    macDestination: TABLET,
    secured: true,
    maxMacPayload: 90,
    ip: ipv6(m1, HEADEND_AMR, udp(3610, 3610, res)),
    expect: { 'udp.srcport': '3610', 'data.data': toHex(res), 'udp.checksum.status': '1' },
  });
  return packets;
}

interface OnAir {
  packet: AirPacket;
  frame: Uint8Array;
  /** 1-based frame number in the capture. */
  number: number;
  /** The last frame of a (possibly fragmented) datagram. */
  completes: boolean;
  frameCounter?: number;
}

function toFrames(packets: AirPacket[]): OnAir[] {
  const out: OnAir[] = [];
  let seq = 0;
  let frameCounter = 1000;
  let tag = 0x100;
  for (const packet of packets) {
    const ipBytes = encodePacket(packet.ip);
    const lowpan = compressIphc(ipBytes, {
      source: linkAddressFromMac(packet.macSource),
      destination: linkAddressFromMac(packet.macDestination),
      contexts,
    });
    const max = packet.maxMacPayload ?? 1200;
    const payloads = lowpan.length <= max ? [lowpan] : fragment(lowpan, tag++, max);
    payloads.forEach((payload, i) => {
      const counter = packet.secured ? frameCounter++ : undefined;
      const mac: MacFrame = {
        frameType: FRAME_TYPE.DATA,
        frameVersion: FRAME_VERSION.IEEE_802_15_4_2006,
        framePending: false,
        ackRequest: packet.macDestination !== BROADCAST,
        sequenceNumber: seq++ & 0xff,
        dstPanId: PAN_ID,
        dstAddress: packet.macDestination === BROADCAST ? BROADCAST : packet.macDestination,
        srcAddress: packet.macSource,
        ...(counter !== undefined
          ? {
              auxSecurityHeader: {
                securityLevel: 5,
                keyIdMode: 1,
                keyIndex: KEY_INDEX,
                frameCounter: counter,
              },
            }
          : {}),
        payload,
      };
      const frame = packet.secured
        ? secureFrame(crypto, macKey, mac, packet.macSource, { fcsLength: 4 })
        : encodeFrame(mac, { fcsLength: 4 });
      out.push({
        packet,
        frame,
        number: out.length + 1,
        completes: i === payloads.length - 1,
        frameCounter: counter,
      });
    });
  }
  return out;
}

const TSHARK: TsharkOptions = {
  // The network key with "ZigBee IP hash" (Wireshark derives the MAC key), plus the MLE key with
  // "No hash" — the key table the simulator exports (src/stack/capture/wireshark-keys.ts).
  uat: wiresharkKeyRecords(crypto, [{ networkKey: NETWORK_KEY, keyIndex: KEY_INDEX }]).map(
    (r) => `ieee802154_keys:${r}`,
  ),
  prefs: { '6lowpan.context0': '2001:db8:1:2::/64', 'udp.check_checksum': 'TRUE' },
  decodeAs: ['udp.port==716,pana'],
  twoPass: true,
};

test('tshark decodes every message type FieldRoot emits, decrypted, with good FCS, nothing malformed, fields as encoded', (t) => {
  const air = toFrames(buildAir());
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-conformance-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'every-message.pcapng');
  writeFileSync(
    path,
    writeIeee802154Capture(
      air.map((a, i) => ({
        timestampMicros: 1_790_000_000_000_000n + BigInt(i) * 15_000n,
        frame: a.frame,
        fcsType: 2,
        channel: CHANNEL,
        page: PAGE,
        rssiDbm: -71.5,
        lqi: 180,
      })),
    ),
  );

  // 1. Nothing malformed, no expert warning or error anywhere.
  assert.deepEqual(tsharkProblems(path, TSHARK), [], 'tshark reports problems');

  // 2. Per frame: FCS good, security as sent, decrypted payload dissected.
  const base = [
    'frame.number',
    'wpan.fcs_ok',
    'wpan.security',
    'wpan.aux_sec.frame_counter',
    'wpan.src64',
    'wpan.decrypt_error',
    'ipv6.src',
    'ipv6.dst',
  ];
  const rows = tsharkFields(path, base, TSHARK);
  assert.equal(rows.length, air.length, 'one row per frame');
  for (const a of air) {
    const [num, fcsOk, security, counter, src64, decryptError, src, dst] = rows[a.number - 1]!;
    const what = `frame ${num} (${a.packet.name})`;
    assert.equal(fcsOk, '1', `${what}: FCS`);
    assert.equal(security, a.packet.secured ? '1' : '0', `${what}: security bit`);
    assert.equal(decryptError ?? '', '', `${what}: decryption error`);
    assert.equal(
      src64,
      a.packet.macSource
        .toString(16)
        .padStart(16, '0')
        .replace(/(..)(?!$)/g, '$1:'),
      `${what}: source`,
    );
    if (a.packet.secured) assert.equal(counter, String(a.frameCounter), `${what}: frame counter`);
    if (a.completes) {
      // Only a decrypted, decompressed frame yields IPv6 addresses.
      assert.equal(src, formatIpv6Address(a.packet.ip.source), `${what}: IPv6 source`);
      assert.equal(dst, formatIpv6Address(a.packet.ip.destination), `${what}: IPv6 destination`);
    }
  }

  // 3. The key fields of each message, as tshark reads them.
  const fields = [...new Set(air.flatMap((a) => Object.keys(a.packet.expect)))];
  const fieldRows = tsharkFields(path, fields, TSHARK);
  for (const a of air.filter((x) => x.completes)) {
    const row = fieldRows[a.number - 1]!;
    for (const [field, expected] of Object.entries(a.packet.expect)) {
      const got = row[fields.indexOf(field)] ?? '';
      const normalised = field === 'data.data' ? got.replace(/:/g, '') : got;
      assert.equal(normalised, expected, `${a.packet.name}: ${field}`);
    }
  }

  // 4. Every message type named by the issue is in the capture.
  const names = air.map((a) => a.packet.name).join('\n');
  for (const kind of [
    'DIS',
    'DIO',
    'DAO',
    'DAO-ACK',
    'PCI',
    'PAR',
    'PAN',
    'PNR',
    'PNA',
    'PTR',
    'PTA',
    'PRY',
    'EAP-PSK',
    'MLE Link Request',
    'MLE Link Accept',
    'echo request',
    'echo reply',
    'ECHONET',
  ]) {
    assert.ok(names.includes(kind), `capture lacks ${kind}`);
  }
});

test('a frame under the wrong key does not decrypt in tshark (the conformance check can fail)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-conformance-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const wrongKey = fromHex('000102030405060708090a0b0c0d0e0f');
  const mac: MacFrame = {
    frameType: FRAME_TYPE.DATA,
    frameVersion: FRAME_VERSION.IEEE_802_15_4_2006,
    framePending: false,
    ackRequest: false,
    sequenceNumber: 1,
    dstPanId: PAN_ID,
    dstAddress: BROADCAST,
    srcAddress: METER1,
    auxSecurityHeader: { securityLevel: 5, keyIdMode: 1, keyIndex: KEY_INDEX, frameCounter: 9 },
    payload: compressIphc(encodePacket(ipv6(ll(METER1), ALL_RPL_NODES, rpl({ kind: 'dis', options: [] }))), {
      source: linkAddressFromMac(METER1),
      destination: linkAddressFromMac(BROADCAST),
      contexts,
    }),
  };
  const path = join(dir, 'wrong-key.pcapng');
  writeFileSync(
    path,
    writeIeee802154Capture([
      {
        timestampMicros: 1n,
        frame: secureFrame(crypto, wrongKey, mac, METER1, { fcsLength: 4 }),
        fcsType: 2,
        channel: CHANNEL,
        page: PAGE,
      },
    ]),
  );
  const [row] = tsharkFields(path, ['wpan.fcs_ok', 'ipv6.src'], TSHARK);
  assert.equal(row![0], '1', 'FCS is still fine');
  assert.equal(row![1] ?? '', '', 'no IPv6 may be dissected from a frame under another key');
  assert.notDeepEqual(tsharkProblems(path, TSHARK), [], 'tshark flags the failed decryption');
});
