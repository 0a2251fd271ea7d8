/**
 * 6LoWPAN dispatch (RFC 4944 §5.1, page switch RFC 8025 §3): mesh header (§5.2), broadcast
 * header (LOWPAN_BC0, §11.1), fragment headers (§5.3), then the datagram (0x41 or IPHC).
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';
import { LOWPAN_DISPATCH, decompressIphcHeaders, isIphcDispatch, type DecompressOptions } from './iphc.ts';
import type { LinkAddress } from './link.ts';

const CODEC = 'sixlowpan';

export const FRAG1_DISPATCH = 0xc0; // 11000xxx
export const FRAGN_DISPATCH = 0xe0; // 11100xxx
export const FRAG1_HEADER_LENGTH = 4;
export const FRAGN_HEADER_LENGTH = 5;
/** datagram_size is 11 bits (RFC 4944 §5.3). */
export const MAX_DATAGRAM_SIZE = 2047;

export interface MeshHeader {
  hopsLeft: number;
  originator: LinkAddress;
  final: LinkAddress;
}

export type FragmentHeader =
  | { kind: 'first'; size: number; tag: number }
  /** `offset` in bytes (the wire carries it in 8-byte units). */
  | { kind: 'subsequent'; size: number; tag: number; offset: number };

export interface LowpanFrame {
  mesh?: MeshHeader;
  /** LOWPAN_BC0 sequence number. */
  broadcastSequence?: number;
  fragment?: FragmentHeader;
  /**
   * Unfragmented or first fragment: the datagram from its dispatch byte (0x41 or IPHC) on.
   * Subsequent fragment: the raw bytes at `fragment.offset`.
   */
  payload: Uint8Array;
}

function readMeshAddress(r: ByteReader, short: boolean, what: string): LinkAddress {
  return short ? { kind: 'short', address: r.u16be(what) } : { kind: 'extended', address: r.u64be(what) };
}

/** Parses the dispatch headers of one frame payload. */
export function decodeLowpanFrame(bytes: Uint8Array): LowpanFrame {
  const r = new ByteReader(bytes, CODEC);
  const frame: Partial<LowpanFrame> = {};
  let seenFragment = false;
  for (;;) {
    const at = r.offset;
    if (r.atEnd) r.fail('frame ends before the datagram');
    const d = bytes[at]!;
    if ((d & 0xc0) === 0x80) {
      // RFC 4944 §5.2 mesh header: 10 V F HopsLeft(4), originator, final
      if (frame.mesh || frame.broadcastSequence !== undefined || seenFragment)
        r.fail('mesh header out of order', at);
      r.u8();
      const originator = readMeshAddress(r, (d & 0x20) !== 0, 'mesh originator');
      const final = readMeshAddress(r, (d & 0x10) !== 0, 'mesh final destination');
      frame.mesh = { hopsLeft: d & 0x0f, originator, final };
      continue;
    }
    if (d === LOWPAN_DISPATCH.BC0) {
      if (frame.broadcastSequence !== undefined || seenFragment) r.fail('broadcast header out of order', at);
      r.u8();
      frame.broadcastSequence = r.u8('BC0 sequence number');
      continue;
    }
    if ((d & 0xf8) === FRAG1_DISPATCH || (d & 0xf8) === FRAGN_DISPATCH) {
      if (seenFragment) r.fail('two fragment headers', at);
      seenFragment = true;
      const word = r.u16be('fragment header');
      const size = word & 0x07ff;
      const tag = r.u16be('datagram tag');
      if ((d & 0xf8) === FRAG1_DISPATCH) {
        frame.fragment = { kind: 'first', size, tag };
        continue; // the datagram dispatch follows
      }
      const offset = r.u8('datagram offset') * 8;
      if (offset === 0) r.fail('subsequent fragment at offset 0', at + 4);
      if (r.remaining === 0) r.fail('empty fragment', at);
      if (offset + r.remaining > size)
        r.fail(`fragment ends at ${offset + r.remaining}, beyond datagram size ${size}`, at);
      frame.fragment = { kind: 'subsequent', size, tag, offset };
      frame.payload = r.rest();
      return frame as LowpanFrame;
    }
    if ((d & 0xf0) === 0xf0) {
      // RFC 8025 §3 page switch; page 0 is the default, others (e.g. RFC 8138 page 1) unsupported
      if (d !== 0xf0) r.fail(`dispatch page ${d & 0x0f} not supported`, at);
      r.u8();
      continue;
    }
    if (d === LOWPAN_DISPATCH.IPV6 || isIphcDispatch(d)) {
      frame.payload = r.rest();
      return frame as LowpanFrame;
    }
    if ((d & 0xc0) === 0) r.fail(`not a LoWPAN frame (NALP dispatch 0x${d.toString(16)})`, at);
    if (d === LOWPAN_DISPATCH.HC1) r.fail('LOWPAN_HC1 is not supported (RFC 6282 replaces it)', at);
    r.fail(`reserved or unsupported dispatch 0x${d.toString(16)}`, at);
  }
}

export function encodeFragmentHeader(h: FragmentHeader): Uint8Array {
  if (!Number.isInteger(h.size) || h.size < 0 || h.size > MAX_DATAGRAM_SIZE)
    throw new RangeError(`datagram size ${h.size} out of range`);
  if (!Number.isInteger(h.tag) || h.tag < 0 || h.tag > 0xffff)
    throw new RangeError(`datagram tag ${h.tag} out of range`);
  const w = new ByteWriter(5);
  if (h.kind === 'first')
    return w
      .u16be((FRAG1_DISPATCH << 8) | h.size)
      .u16be(h.tag)
      .finish();
  if (h.offset % 8 !== 0 || h.offset <= 0 || h.offset / 8 > 0xff)
    throw new RangeError(`fragment offset ${h.offset} not a multiple of 8 in 8..2040`);
  return w
    .u16be((FRAGN_DISPATCH << 8) | h.size)
    .u16be(h.tag)
    .u8(h.offset / 8)
    .finish();
}

export function encodeMeshHeader(m: MeshHeader): Uint8Array {
  if (!Number.isInteger(m.hopsLeft) || m.hopsLeft < 0 || m.hopsLeft > 0x0f)
    throw new RangeError('hops left out of range 0..15');
  const w = new ByteWriter(17).u8(
    0x80 | (m.originator.kind === 'short' ? 0x20 : 0) | (m.final.kind === 'short' ? 0x10 : 0) | m.hopsLeft,
  );
  for (const a of [m.originator, m.final]) {
    if (a.kind === 'short') w.u16be(a.address);
    else w.u64be(a.address);
  }
  return w.finish();
}

/**
 * Uncompressed bytes of the start of a datagram (unfragmented frame or FRAG1): 0x41 datagrams are
 * copied, IPHC datagrams decompressed. `datagramSize` comes from FRAG1.
 */
export function decompressDatagramStart(
  payload: Uint8Array,
  options: DecompressOptions,
  datagramSize?: number,
): Uint8Array {
  if (payload.length === 0) new ByteReader(payload, CODEC).fail('empty datagram');
  if (payload[0] === LOWPAN_DISPATCH.IPV6) return payload.slice(1);
  const { headers, consumed } = decompressIphcHeaders(payload, options, datagramSize);
  const out = new Uint8Array(headers.length + payload.length - consumed);
  out.set(headers);
  out.set(payload.subarray(consumed), headers.length);
  return out;
}
