/**
 * Join beacons: how a node without the network key finds a neighbour to join through.
 *
 * Every DIO is MAC-secured with the network key, so a meter that has not joined cannot read them.
 * ZigBee IP and Wi-SUN solve this with unsecured beacons; here the beacon is an unsecured MLE
 * Advertisement (security suite 255, command 4) sent by the root and by every joined node, to
 * ff02::1 from the sender's link-local address, UDP 19788 → 19788, hop limit 255, in an unsecured
 * MAC frame (join-traffic.ts already admits unsecured link-local MLE). Its TLVs:
 * - Source Address (type 0): the sender's EUI-64 — its link-local address, the PaC's PANA peer
 *   (RFC 6345 §3: the PaC talks to its relay over the link);
 * - Network Parameter PAN ID (type 7, parameter 1): the PAN to join;
 * - Network Parameter Permit Join (type 7, parameter 2): 1 while the sender relays PANA for joiners;
 * - Network Parameter Beacon Payload (type 7, parameter 3): FieldRoot's payload, version 1:
 *   version (1) ‖ mesh /64 prefix (8) ‖ PAA address (16). The prefix is 6LoWPAN context 0
 *   (RFC 6282 §3.1.2), which a joiner needs before its first secured frame (RFC 6775 §4.2 hands
 *   contexts out in unsecured RAs for the same reason); the PAA address is where the joiner sends
 *   PRYs once it relays in turn (RFC 6345 §3).
 *
 * Nothing in a beacon is trusted for security: PANA AUTH and EAP-PSK protect the join end to end,
 * so a forged beacon can only delay a join. The DIO's Prefix Information must agree with the
 * beacon's prefix before a node routes (checked by the node).
 */
import { ALL_NODES_LINK_LOCAL, linkLocalFromEui64, type Ipv6Packet } from '../ipv6/index.ts';
import { MLE_COMMAND, MLE_NETWORK_PARAMETER, MLE_SECURITY_SUITE, MLE_UDP_PORT } from '../mle/constants.ts';
import { decodeMleFrame, encodeMleUnsecured } from '../mle/message.ts';
import type { MleTlv } from '../mle/tlv.ts';
import { ByteReader, ByteWriter, DecodeError, bytesEqual } from '../wire/index.ts';

/** Version of the Beacon Payload layout above. */
export const JOIN_BEACON_PAYLOAD_VERSION = 1;
const PAYLOAD_LENGTH = 1 + 8 + 16;

export interface JoinBeacon {
  /** The sender's EUI-64 (its link-local address follows from it, RFC 4944 §6). */
  source: bigint;
  panId: number;
  /** The sender relays PANA for joiners. */
  permitJoin: boolean;
  /** The mesh prefix: 16 bytes, the /64 in the first 8, zeros after. */
  meshPrefix: Uint8Array;
  /** The PAA's address (the key server), 16 bytes. */
  paaAddress: Uint8Array;
}

function networkParameter(parameterId: number, value: Uint8Array): MleTlv {
  return { kind: 'network-parameter', parameterId, delay: 0, value };
}

/** The MLE datagram (UDP payload) of a beacon. Throws RangeError on values that do not fit. */
export function encodeJoinBeacon(b: JoinBeacon): Uint8Array {
  if (b.source < 0n || b.source > 0xffff_ffff_ffff_ffffn) throw new RangeError('source is not a u64');
  if (!Number.isInteger(b.panId) || b.panId < 0 || b.panId > 0xfffe)
    throw new RangeError('PAN ID not 0..0xfffe');
  if (b.meshPrefix.length !== 16 || b.paaAddress.length !== 16)
    throw new RangeError('mesh prefix and PAA address must be 16-byte IPv6 addresses');
  const payload = new ByteWriter(PAYLOAD_LENGTH)
    .u8(JOIN_BEACON_PAYLOAD_VERSION)
    .bytes(b.meshPrefix.subarray(0, 8))
    .bytes(b.paaAddress)
    .finish();
  return encodeMleUnsecured({
    command: MLE_COMMAND.ADVERTISEMENT,
    tlvs: [
      { kind: 'source-address', address: new ByteWriter(8).u64be(b.source).finish() },
      networkParameter(MLE_NETWORK_PARAMETER.PAN_ID, new ByteWriter(2).u16be(b.panId).finish()),
      networkParameter(MLE_NETWORK_PARAMETER.PERMIT_JOIN, Uint8Array.of(b.permitJoin ? 1 : 0)),
      networkParameter(MLE_NETWORK_PARAMETER.BEACON_PAYLOAD, payload),
    ],
  });
}

/** Cheap test on an MLE datagram: unsecured Advertisement (decode it with decodeJoinBeacon). */
export function looksLikeJoinBeacon(mle: Uint8Array): boolean {
  return mle[0] === MLE_SECURITY_SUITE.NONE && mle[1] === MLE_COMMAND.ADVERTISEMENT;
}

/**
 * Decodes a beacon. `macSource` is the MAC source of the frame that carried it: a Source Address
 * TLV naming another node is refused (a relay must be the node we hear). Throws DecodeError.
 */
export function decodeJoinBeacon(mle: Uint8Array, macSource?: bigint): JoinBeacon {
  const frame = decodeMleFrame(mle);
  const fail = (reason: string): never => {
    throw new DecodeError('join-beacon', reason, 0);
  };
  if (frame.secured) return fail('a join beacon is unsecured (suite 255)');
  const m = frame.message;
  if (m.command !== MLE_COMMAND.ADVERTISEMENT)
    return fail(`MLE command ${m.command} is not an Advertisement`);
  let source: bigint | undefined;
  let panId: number | undefined;
  let permitJoin: boolean | undefined;
  let payload: Uint8Array | undefined;
  for (const t of m.tlvs) {
    if (t.kind === 'source-address') {
      if (t.address.length !== 8) fail(`Source Address of ${t.address.length} bytes, expected an EUI-64`);
      if (source !== undefined) fail('two Source Address TLVs');
      source = new ByteReader(t.address, 'join-beacon').u64be('source address');
    } else if (t.kind === 'network-parameter') {
      if (t.parameterId === MLE_NETWORK_PARAMETER.PAN_ID) {
        if (panId !== undefined) fail('two PAN ID parameters');
        panId = ((t.value[0] ?? 0) << 8) | (t.value[1] ?? 0);
      } else if (t.parameterId === MLE_NETWORK_PARAMETER.PERMIT_JOIN) {
        if (permitJoin !== undefined) fail('two Permit Join parameters');
        permitJoin = t.value[0] !== 0;
      } else if (t.parameterId === MLE_NETWORK_PARAMETER.BEACON_PAYLOAD) {
        if (payload !== undefined) fail('two Beacon Payload parameters');
        payload = t.value;
      }
    }
  }
  if (source === undefined) return fail('no Source Address TLV');
  if (panId === undefined) return fail('no PAN ID parameter');
  if (panId === 0xffff) fail('PAN ID 0xffff is the broadcast PAN');
  if (payload === undefined) return fail('no Beacon Payload parameter');
  if (macSource !== undefined && macSource !== source) fail('Source Address is not the MAC source');
  const r = new ByteReader(payload, 'join-beacon payload');
  const version = r.u8('version');
  if (version !== JOIN_BEACON_PAYLOAD_VERSION) r.fail(`payload version ${version}, expected 1`, 0);
  const meshPrefix = new Uint8Array(16);
  meshPrefix.set(r.bytesView(8, 'mesh prefix'));
  const paaAddress = r.bytesCopy(16, 'PAA address');
  r.end('beacon payload');
  return { source, panId, permitJoin: permitJoin ?? false, meshPrefix, paaAddress };
}

/** The IPv6 datagram of a beacon from `b.source`'s link-local address to ff02::1, hop limit 255. */
export function joinBeaconPacket(b: JoinBeacon): Ipv6Packet {
  return {
    trafficClass: 0,
    flowLabel: 0,
    hopLimit: 255,
    source: linkLocalFromEui64(b.source),
    destination: ALL_NODES_LINK_LOCAL.slice(),
    upper: {
      kind: 'udp',
      datagram: { sourcePort: MLE_UDP_PORT, destinationPort: MLE_UDP_PORT, payload: encodeJoinBeacon(b) },
    },
  };
}

/** Two beacons advertise the same network (PAN, prefix and PAA). */
export function sameJoinNetwork(a: JoinBeacon, b: JoinBeacon): boolean {
  return (
    a.panId === b.panId && bytesEqual(a.meshPrefix, b.meshPrefix) && bytesEqual(a.paaAddress, b.paaAddress)
  );
}
