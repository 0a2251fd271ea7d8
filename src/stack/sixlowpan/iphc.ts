/**
 * LOWPAN_IPHC header compression (RFC 6282 §3) with LOWPAN_NHC for UDP (§4.3) and IPv6
 * extension headers (§4.2). Compression takes a whole IPv6 datagram and picks the smallest
 * encoding; decompression restores the uncompressed headers, with lengths taken from the
 * datagram size (RFC 4944 FRAG1) or from the bytes present.
 */
import { ByteReader, ByteWriter, bytesEqual } from '../wire/index.ts';
import {
  IP_PROTOCOL,
  IPV6_HEADER_LENGTH,
  isMulticast,
  maskPrefix,
  pseudoHeaderChecksum,
  type Ipv6Address,
} from '../ipv6/index.ts';
import type { CompressionContext, ContextTable } from './context.ts';
import { iidFromLinkAddress, type LinkAddress } from './link.ts';

const CODEC = 'sixlowpan-iphc';

/** Dispatch values (RFC 4944 §5.1, RFC 6282 §3.1). */
export const LOWPAN_DISPATCH = {
  IPV6: 0x41,
  HC1: 0x42,
  BC0: 0x50,
  ESC: 0x7f,
  IPHC_MASK: 0xe0,
  IPHC: 0x60,
} as const;

/** LOWPAN_NHC Extension Header IDs (RFC 6282 §4.2). */
export const NHC_EID = {
  HOP_BY_HOP: 0,
  ROUTING: 1,
  FRAGMENT: 2,
  DESTINATION_OPTIONS: 3,
  MOBILITY: 4,
  IPV6: 7,
} as const;

const NHC_EH_MASK = 0xf0;
const NHC_EH = 0xe0;
const NHC_UDP_MASK = 0xf8;
const NHC_UDP = 0xf0;

export interface IphcLinkInfo {
  /** Link-layer source and destination of the frame (RFC 6282 §3.2.2 derives elided IIDs from them). */
  source: LinkAddress;
  destination: LinkAddress;
  contexts?: ContextTable;
}

export interface CompressOptions extends IphcLinkInfo {
  /**
   * Elide the UDP checksum (C bit, RFC 6282 §4.3.2). Only for upper layers that authenticate
   * their payload themselves; off by default.
   */
  elideUdpChecksum?: boolean;
  /** Use LOWPAN_NHC for extension headers when it is shorter (default true; Linux cannot read it). */
  compressExtensionHeaders?: boolean;
}

export interface DecompressOptions extends IphcLinkInfo {
  /** Recompute an elided UDP checksum instead of refusing it (unfragmented datagrams only). */
  acceptElidedUdpChecksum?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Address encodings shared by both directions

interface AddressCoding {
  /** SAC / DAC. */
  stateful: boolean;
  /** SAM / DAM. */
  mode: number;
  /** Context id (stateful only). */
  context: number;
  inline: Uint8Array;
}

const LINK_LOCAL_64 = Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0);

function applyContext(base: Uint8Array, ctx: CompressionContext): Ipv6Address {
  // RFC 6282 §3.1.1: bits covered by the context are always taken from it.
  const out = base.slice();
  const prefix = maskPrefix(ctx.prefix, ctx.prefixLength);
  const whole = ctx.prefixLength >> 3;
  out.set(prefix.subarray(0, whole));
  const bits = ctx.prefixLength & 7;
  if (bits) {
    const mask = (0xff << (8 - bits)) & 0xff;
    out[whole] = (prefix[whole]! & mask) | (out[whole]! & ~mask & 0xff);
  }
  return out;
}

function shortIid(inline16: Uint8Array): Uint8Array {
  return Uint8Array.of(0, 0, 0, 0xff, 0xfe, 0, inline16[0]!, inline16[1]!);
}

/** The unicast address a (SAC/DAC, SAM/DAM, inline) combination stands for. */
function unicastAddress(
  stateful: boolean,
  mode: number,
  inline: Uint8Array,
  link: LinkAddress,
  ctx: CompressionContext | undefined,
): Ipv6Address {
  const base = new Uint8Array(16);
  if (!stateful) {
    if (mode === 0) return inline.slice();
    base.set(LINK_LOCAL_64);
  }
  if (mode === 1) base.set(inline, 8);
  else if (mode === 2) base.set(shortIid(inline), 8);
  else if (mode === 3) base.set(iidFromLinkAddress(link), 8);
  return stateful ? applyContext(base, ctx!) : base;
}

function inlineFor(addr: Ipv6Address, mode: number): Uint8Array {
  return mode === 0
    ? addr.slice()
    : mode === 1
      ? addr.slice(8)
      : mode === 2
        ? addr.slice(14)
        : new Uint8Array(0);
}

function unicastCodings(
  addr: Ipv6Address,
  link: LinkAddress,
  contexts: ContextTable | undefined,
  isSource: boolean,
): AddressCoding[] {
  const out: AddressCoding[] = [];
  if (isSource && addr.every((b) => b === 0)) {
    out.push({ stateful: true, mode: 0, context: 0, inline: new Uint8Array(0) }); // RFC 6282: SAC=1 SAM=00 is ::
  }
  for (const mode of [3, 2, 1]) {
    const inline = inlineFor(addr, mode);
    if (bytesEqual(unicastAddress(false, mode, inline, link, undefined), addr))
      out.push({ stateful: false, mode, context: 0, inline });
  }
  const ids = contexts ? [...contexts.keys()].sort((a, b) => a - b) : [];
  for (const id of ids) {
    const ctx = contexts!.get(id)!;
    if (ctx.compress === false) continue;
    for (const mode of [3, 2, 1]) {
      const inline = inlineFor(addr, mode);
      if (bytesEqual(unicastAddress(true, mode, inline, link, ctx), addr))
        out.push({ stateful: true, mode, context: id, inline });
    }
  }
  out.push({ stateful: false, mode: 0, context: 0, inline: addr.slice() });
  return out;
}

/** Multicast address for M=1 (RFC 6282 §3.1.1 DAM with DAC=0, and DAC=1 DAM=00 per RFC 3306). */
function multicastAddress(
  stateful: boolean,
  mode: number,
  inline: Uint8Array,
  ctx: CompressionContext | undefined,
): Ipv6Address {
  const a = new Uint8Array(16);
  a[0] = 0xff;
  if (stateful) {
    // ffXX:XXLL:PPPP:PPPP:PPPP:PPPP:XXXX:XXXX
    a[1] = inline[0]!;
    a[2] = inline[1]!;
    a[3] = ctx!.prefixLength;
    a.set(maskPrefix(ctx!.prefix, ctx!.prefixLength).subarray(0, 8), 4);
    a.set(inline.subarray(2, 6), 12);
    return a;
  }
  switch (mode) {
    case 0:
      return inline.slice();
    case 1: // ffXX::00XX:XXXX:XXXX
      a[1] = inline[0]!;
      a.set(inline.subarray(1, 6), 11);
      return a;
    case 2: // ffXX::00XX:XXXX
      a[1] = inline[0]!;
      a.set(inline.subarray(1, 4), 13);
      return a;
    default: // ff02::00XX
      a[1] = 0x02;
      a[15] = inline[0]!;
      return a;
  }
}

function multicastCodings(addr: Ipv6Address, contexts: ContextTable | undefined): AddressCoding[] {
  const out: AddressCoding[] = [];
  const candidates: [number, Uint8Array][] = [
    [3, Uint8Array.of(addr[15]!)],
    [2, Uint8Array.of(addr[1]!, ...addr.subarray(13))],
    [1, Uint8Array.of(addr[1]!, ...addr.subarray(11))],
  ];
  for (const [mode, inline] of candidates) {
    if (bytesEqual(multicastAddress(false, mode, inline, undefined), addr))
      out.push({ stateful: false, mode, context: 0, inline });
  }
  const ids = contexts ? [...contexts.keys()].sort((a, b) => a - b) : [];
  for (const id of ids) {
    const ctx = contexts!.get(id)!;
    if (ctx.compress === false || ctx.prefixLength > 64) continue;
    const inline = Uint8Array.of(addr[1]!, addr[2]!, ...addr.subarray(12));
    if (bytesEqual(multicastAddress(true, 0, inline, ctx), addr))
      out.push({ stateful: true, mode: 0, context: id, inline });
  }
  out.push({ stateful: false, mode: 0, context: 0, inline: addr.slice() });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Compression

function udpPortsCoding(src: number, dst: number): { p: number; bytes: number[] } {
  if ((src & 0xfff0) === 0xf0b0 && (dst & 0xfff0) === 0xf0b0)
    return { p: 3, bytes: [((src & 0xf) << 4) | (dst & 0xf)] };
  if ((dst & 0xff00) === 0xf000) return { p: 1, bytes: [src >> 8, src & 0xff, dst & 0xff] };
  if ((src & 0xff00) === 0xf000) return { p: 2, bytes: [src & 0xff, dst >> 8, dst & 0xff] };
  return { p: 0, bytes: [src >> 8, src & 0xff, dst >> 8, dst & 0xff] };
}

function isNhcExtension(nh: number): number | undefined {
  if (nh === IP_PROTOCOL.HOPOPT) return NHC_EID.HOP_BY_HOP;
  if (nh === IP_PROTOCOL.IPV6_ROUTE) return NHC_EID.ROUTING;
  if (nh === IP_PROTOCOL.IPV6_OPTS) return NHC_EID.DESTINATION_OPTIONS;
  return undefined;
}

/**
 * Compresses the chain starting with protocol `nh` at `data`. Returns the NHC bytes and how many
 * bytes of `data` they replace, or undefined when `nh` cannot (or should not) be NHC-compressed.
 */
function compressChain(
  nh: number,
  data: Uint8Array,
  options: CompressOptions,
  source: Ipv6Address,
  destination: Ipv6Address,
): { bytes: Uint8Array; consumed: number } | undefined {
  if (nh === IP_PROTOCOL.UDP) {
    if (data.length < 8) throw new RangeError('truncated UDP header');
    const r = new ByteReader(data, 'udp');
    const srcPort = r.u16be();
    const dstPort = r.u16be();
    const length = r.u16be();
    const checksum = r.u16be();
    if (length !== data.length)
      throw new RangeError(`UDP length ${length} does not match the ${data.length} bytes carried`);
    const elide = options.elideUdpChecksum === true;
    if (elide && pseudoHeaderChecksum(source, destination, IP_PROTOCOL.UDP, data) !== 0) {
      throw new RangeError('refusing to elide a UDP checksum that does not verify');
    }
    const { p, bytes } = udpPortsCoding(srcPort, dstPort);
    const w = new ByteWriter(8).u8(NHC_UDP | (elide ? 4 : 0) | p);
    for (const b of bytes) w.u8(b);
    if (!elide) w.u16be(checksum);
    return { bytes: w.finish(), consumed: 8 };
  }
  const eid = isNhcExtension(nh);
  if (eid === undefined || options.compressExtensionHeaders === false) return undefined;
  if (data.length < 8) throw new RangeError('truncated extension header');
  const next = data[0]!;
  const total = (data[1]! + 1) * 8;
  if (total > data.length) throw new RangeError('extension header longer than the packet');
  if (total - 2 > 255) return undefined; // RFC 6282 §4.2: Length is one octet
  const inner = compressChain(next, data.subarray(total), options, source, destination);
  // RFC 6282 §4.2: the Length counts the octets after it; trailing padding is carried (not elided)
  // so that decompressors which do not restore it (Contiki-NG) still read the header right.
  const w = new ByteWriter(total + 2).u8(NHC_EH | (eid << 1) | (inner ? 1 : 0));
  if (!inner) w.u8(next);
  w.u8(total - 2).bytes(data.subarray(2, total));
  if (inner) w.bytes(inner.bytes);
  return { bytes: w.finish(), consumed: total + (inner ? inner.consumed : 0) };
}

/**
 * Compresses an IPv6 datagram into a LOWPAN_IPHC datagram (dispatch included). Throws RangeError
 * when `packet` is not a well-formed datagram (the caller built it).
 */
export function compressIphc(packet: Uint8Array, options: CompressOptions): Uint8Array {
  if (packet.length < IPV6_HEADER_LENGTH || packet[0]! >> 4 !== 6)
    throw new RangeError('not an IPv6 datagram');
  const v = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const first = v.getUint32(0, false);
  const tc = (first >>> 20) & 0xff;
  const fl = first & 0xfffff;
  const payloadLength = v.getUint16(4, false);
  if (payloadLength !== packet.length - IPV6_HEADER_LENGTH)
    throw new RangeError('payload length does not match the datagram');
  const nextHeader = packet[6]!;
  const hopLimit = packet[7]!;
  const src = packet.slice(8, 24);
  const dst = packet.slice(24, 40);
  const payload = packet.subarray(IPV6_HEADER_LENGTH);

  // Upper-layer checksums use the final destination (RFC 8200 §8.1); only used for the C-bit check.
  const nhc = (() => {
    const chained = compressChain(nextHeader, payload, options, src, dst);
    if (!chained) return undefined;
    // Inline costs 1 (Next Header) + the bytes it would replace; keep NHC only when shorter.
    return chained.bytes.length < 1 + chained.consumed ? chained : undefined;
  })();

  // TF (RFC 6282 §3.1.1): inline traffic class is ECN(2) ‖ DSCP(6).
  const ecn = tc & 0x03;
  const dscp = tc >> 2;
  let tf: number;
  const tfBytes: number[] = [];
  if (fl === 0 && tc === 0) tf = 3;
  else if (fl === 0) {
    tf = 2;
    tfBytes.push((ecn << 6) | dscp);
  } else if (dscp === 0) {
    tf = 1;
    tfBytes.push((ecn << 6) | (fl >> 16), (fl >> 8) & 0xff, fl & 0xff);
  } else {
    tf = 0;
    tfBytes.push((ecn << 6) | dscp, fl >> 16, (fl >> 8) & 0xff, fl & 0xff);
  }
  const hlim = hopLimit === 1 ? 1 : hopLimit === 64 ? 2 : hopLimit === 255 ? 3 : 0;

  const srcCodings = unicastCodings(src, options.source, options.contexts, true);
  const multicast = isMulticast(dst);
  const dstCodings = multicast
    ? multicastCodings(dst, options.contexts)
    : unicastCodings(dst, options.destination, options.contexts, false);
  let best: { s: AddressCoding; d: AddressCoding; cost: number } | undefined;
  for (const s of srcCodings) {
    for (const d of dstCodings) {
      const sci = s.stateful && !(s.mode === 0) ? s.context : 0;
      const dci = d.stateful ? d.context : 0;
      const cost = s.inline.length + d.inline.length + (sci !== 0 || dci !== 0 ? 1 : 0);
      if (!best || cost < best.cost) best = { s, d, cost };
    }
  }
  const { s, d } = best!;
  const sci = s.stateful && s.mode !== 0 ? s.context : 0;
  const dci = d.stateful ? d.context : 0;
  const cid = sci !== 0 || dci !== 0;

  const w = new ByteWriter(packet.length + 4);
  w.u8(LOWPAN_DISPATCH.IPHC | (tf << 3) | (nhc ? 4 : 0) | hlim);
  w.u8(
    (cid ? 0x80 : 0) |
      (s.stateful ? 0x40 : 0) |
      (s.mode << 4) |
      (multicast ? 0x08 : 0) |
      (d.stateful ? 0x04 : 0) |
      d.mode,
  );
  if (cid) w.u8((sci << 4) | dci);
  for (const b of tfBytes) w.u8(b);
  if (!nhc) w.u8(nextHeader);
  if (hlim === 0) w.u8(hopLimit);
  w.bytes(s.inline).bytes(d.inline);
  if (nhc) w.bytes(nhc.bytes).bytes(payload.subarray(nhc.consumed));
  else w.bytes(payload);
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// Decompression

function context(
  r: ByteReader,
  contexts: ContextTable | undefined,
  id: number,
  at: number,
): CompressionContext {
  const ctx = contexts?.get(id);
  if (!ctx) r.fail(`unknown compression context ${id}`, at);
  return ctx;
}

export interface IphcHeaders {
  /** Uncompressed IPv6 header and every header that was NHC-compressed, lengths filled in. */
  headers: Uint8Array;
  /** Bytes of the input consumed by IPHC and NHC. */
  consumed: number;
}

/**
 * Decompresses the IPHC and NHC headers at the start of `bytes` (the IPHC dispatch first).
 * `datagramSize` is the uncompressed size when known (FRAG1); otherwise it is the headers plus
 * every byte after them.
 */
export function decompressIphcHeaders(
  bytes: Uint8Array,
  options: DecompressOptions,
  datagramSize?: number,
): IphcHeaders {
  const r = new ByteReader(bytes, CODEC);
  const b0 = r.u8('IPHC dispatch');
  if ((b0 & LOWPAN_DISPATCH.IPHC_MASK) !== LOWPAN_DISPATCH.IPHC)
    r.fail(`dispatch 0x${b0.toString(16)} is not IPHC`, 0);
  const b1 = r.u8('IPHC');
  const tf = (b0 >> 3) & 3;
  const nhCompressed = (b0 & 4) !== 0;
  const hlim = b0 & 3;
  const cid = (b1 & 0x80) !== 0;
  const sac = (b1 & 0x40) !== 0;
  const sam = (b1 >> 4) & 3;
  const m = (b1 & 0x08) !== 0;
  const dac = (b1 & 0x04) !== 0;
  const dam = b1 & 3;
  let sci = 0;
  let dci = 0;
  if (cid) {
    const c = r.u8('CID');
    sci = c >> 4;
    dci = c & 0x0f;
  }
  let tc = 0;
  let fl = 0;
  const tfAt = r.offset;
  if (tf === 0) {
    const a = r.u8('TF');
    tc = ((a & 0x3f) << 2) | (a >> 6);
    const f = r.u8('TF');
    if (f & 0xf0) r.fail('reserved bits set in the flow label field', tfAt + 1);
    fl = ((f & 0x0f) << 16) | r.u16be('flow label');
  } else if (tf === 1) {
    const a = r.u8('TF');
    if (a & 0x30) r.fail('reserved bits set in the flow label field', tfAt);
    tc = a >> 6; // DSCP elided (zero), ECN carried
    fl = ((a & 0x0f) << 16) | r.u16be('flow label');
  } else if (tf === 2) {
    const a = r.u8('TF');
    tc = ((a & 0x3f) << 2) | (a >> 6);
  }
  const nextHeaderInline = nhCompressed ? -1 : r.u8('next header');
  const hopLimit = hlim === 0 ? r.u8('hop limit') : hlim === 1 ? 1 : hlim === 2 ? 64 : 255;

  // Source (RFC 6282 §3.1.1 SAC/SAM)
  const srcAt = r.offset;
  let src: Ipv6Address;
  if (sac && sam === 0) src = new Uint8Array(16);
  else {
    const len = [16, 8, 2, 0][sam]!;
    const ctx = sac ? context(r, options.contexts, sci, srcAt) : undefined;
    src = unicastAddress(sac, sam, r.bytesView(len, 'source address'), options.source, ctx);
  }
  // Destination (M/DAC/DAM)
  const dstAt = r.offset;
  let dst: Ipv6Address;
  if (m) {
    if (dac) {
      if (dam !== 0) r.fail(`reserved multicast mode DAC=1 DAM=${dam}`, 1);
      const ctx = context(r, options.contexts, dci, dstAt);
      if (ctx.prefixLength > 64)
        r.fail(`context ${dci} is longer than 64 bits, cannot form a prefix-based multicast address`, dstAt);
      dst = multicastAddress(true, 0, r.bytesView(6, 'destination address'), ctx);
    } else {
      const len = [16, 6, 4, 1][dam]!;
      dst = multicastAddress(false, dam, r.bytesView(len, 'destination address'), undefined);
    }
  } else {
    if (dac && dam === 0) r.fail('reserved destination mode DAC=1 DAM=00', 1);
    const len = [16, 8, 2, 0][dam]!;
    const ctx = dac ? context(r, options.contexts, dci, dstAt) : undefined;
    dst = unicastAddress(dac, dam, r.bytesView(len, 'destination address'), options.destination, ctx);
  }

  // Header chain: the IPv6 header, then one header per LOWPAN_NHC. `nextAt` is where the Next
  // Header value of the following header goes once it is known.
  const h: number[] = [];
  h.push(
    0x60 | (tc >> 4),
    ((tc & 0x0f) << 4) | (fl >> 16),
    (fl >> 8) & 0xff,
    fl & 0xff,
    0,
    0,
    nextHeaderInline & 0xff,
    hopLimit,
  );
  h.push(...src, ...dst);
  let nextAt = 6;
  let udpAt = -1;
  let udpChecksumElided = false;
  while (nhCompressed) {
    const at = r.offset;
    const id = r.u8('NHC');
    if ((id & NHC_UDP_MASK) === NHC_UDP) {
      h[nextAt] = IP_PROTOCOL.UDP;
      udpAt = h.length;
      const p = id & 3;
      let sp: number;
      let dp: number;
      if (p === 0) {
        sp = r.u16be('UDP source port');
        dp = r.u16be('UDP destination port');
      } else if (p === 1) {
        sp = r.u16be('UDP source port');
        dp = 0xf000 | r.u8('UDP destination port');
      } else if (p === 2) {
        sp = 0xf000 | r.u8('UDP source port');
        dp = r.u16be('UDP destination port');
      } else {
        const ports = r.u8('UDP ports');
        sp = 0xf0b0 | (ports >> 4);
        dp = 0xf0b0 | (ports & 0x0f);
      }
      let checksum = 0;
      if (id & 4) {
        // RFC 6282 §4.3.2: only with upper-layer integrity; a first fragment cannot be checked.
        if (!options.acceptElidedUdpChecksum || datagramSize !== undefined) {
          r.fail('UDP checksum elided (RFC 6282 §4.3.2) and not accepted here', at);
        }
        udpChecksumElided = true;
      } else {
        checksum = r.u16be('UDP checksum');
      }
      h.push(sp >> 8, sp & 0xff, dp >> 8, dp & 0xff, 0, 0, checksum >> 8, checksum & 0xff);
      break;
    }
    if ((id & NHC_EH_MASK) !== NHC_EH) r.fail(`unknown LOWPAN_NHC 0x${id.toString(16)}`, at);
    const eid = (id >> 1) & 7;
    const chained = (id & 1) !== 0;
    let protocol: number;
    if (eid === NHC_EID.HOP_BY_HOP) protocol = IP_PROTOCOL.HOPOPT;
    else if (eid === NHC_EID.ROUTING) protocol = IP_PROTOCOL.IPV6_ROUTE;
    else if (eid === NHC_EID.DESTINATION_OPTIONS) protocol = IP_PROTOCOL.IPV6_OPTS;
    else return r.fail(`LOWPAN_NHC extension header EID ${eid} not supported`, at);
    h[nextAt] = protocol;
    const inlineNext = chained ? 0 : r.u8('extension next header');
    const len = r.u8('extension header length');
    const body = r.bytesView(len, 'extension header');
    const pad = (8 - ((2 + len) % 8)) % 8;
    if (pad !== 0 && protocol === IP_PROTOCOL.IPV6_ROUTE)
      r.fail(`routing header length ${len + 2} is not a multiple of 8`, at);
    nextAt = h.length;
    h.push(inlineNext, (2 + len + pad) / 8 - 1, ...body);
    // RFC 6282 §4.2: restore trailing padding a compressor elided
    if (pad === 1) h.push(0);
    else if (pad > 1) h.push(1, pad - 2, ...new Array<number>(pad - 2).fill(0));
    if (!chained) break;
  }
  const consumed = r.offset;
  const rest = bytes.length - consumed;
  const total = datagramSize ?? h.length + rest;
  if (total < h.length + rest) {
    r.fail(`datagram size ${total} is smaller than the ${h.length + rest} bytes of the first fragment`, 0);
  }
  if (total - IPV6_HEADER_LENGTH > 0xffff) r.fail('datagram too large', 0);
  const headers = Uint8Array.from(h);
  const hv = new DataView(headers.buffer);
  hv.setUint16(4, total - IPV6_HEADER_LENGTH, false);
  if (udpAt >= 0) {
    if (total - udpAt > 0xffff) r.fail('UDP datagram too large', 0);
    hv.setUint16(udpAt + 4, total - udpAt, false);
    if (udpChecksumElided) {
      const all = new Uint8Array(total);
      all.set(headers);
      all.set(bytes.subarray(consumed), headers.length);
      const sum = pseudoHeaderChecksum(src, dst, IP_PROTOCOL.UDP, all.subarray(udpAt)) || 0xffff;
      hv.setUint16(udpAt + 6, sum, false);
    }
  }
  return { headers, consumed };
}

/** Decompresses a whole (unfragmented) IPHC datagram to IPv6 bytes. */
export function decompressIphc(bytes: Uint8Array, options: DecompressOptions): Uint8Array {
  const { headers, consumed } = decompressIphcHeaders(bytes, options);
  const out = new Uint8Array(headers.length + bytes.length - consumed);
  out.set(headers);
  out.set(bytes.subarray(consumed), headers.length);
  return out;
}

/**
 * Compressed and uncompressed header sizes of a 6LoWPAN datagram (0x41 or IPHC dispatch first),
 * without needing link addresses or contexts. Used by the fragmenter (RFC 4944 §5.3: offsets count
 * uncompressed bytes).
 */
export function lowpanHeaderSizes(bytes: Uint8Array): { compressed: number; uncompressed: number } {
  const r = new ByteReader(bytes, CODEC);
  const b0 = r.u8('dispatch');
  if (b0 === LOWPAN_DISPATCH.IPV6) return { compressed: 1, uncompressed: 0 };
  if ((b0 & LOWPAN_DISPATCH.IPHC_MASK) !== LOWPAN_DISPATCH.IPHC)
    r.fail(`dispatch 0x${b0.toString(16)} is not a datagram`, 0);
  const b1 = r.u8('IPHC');
  let n = (b1 & 0x80 ? 1 : 0) + [4, 3, 1, 0][(b0 >> 3) & 3]! + (b0 & 4 ? 0 : 1) + ((b0 & 3) === 0 ? 1 : 0);
  const sac = (b1 & 0x40) !== 0;
  const sam = (b1 >> 4) & 3;
  n += sac && sam === 0 ? 0 : [16, 8, 2, 0][sam]!;
  const m = (b1 & 0x08) !== 0;
  const dac = (b1 & 0x04) !== 0;
  const dam = b1 & 3;
  n += m ? (dac ? 6 : [16, 6, 4, 1][dam]!) : [16, 8, 2, 0][dam]!;
  r.skip(n, 'IPHC inline fields');
  let uncompressed = IPV6_HEADER_LENGTH;
  if (b0 & 4) {
    for (;;) {
      const at = r.offset;
      const id = r.u8('NHC');
      if ((id & NHC_UDP_MASK) === NHC_UDP) {
        r.skip([4, 3, 3, 1][id & 3]! + (id & 4 ? 0 : 2), 'UDP NHC');
        uncompressed += 8;
        break;
      }
      if ((id & NHC_EH_MASK) !== NHC_EH) r.fail(`unknown LOWPAN_NHC 0x${id.toString(16)}`, at);
      if (!(id & 1)) r.skip(1, 'extension next header');
      const len = r.u8('extension header length');
      r.skip(len, 'extension header');
      uncompressed += 2 + len + ((8 - ((2 + len) % 8)) % 8);
      if (!(id & 1)) break;
    }
  }
  return { compressed: r.offset, uncompressed };
}

export function isIphcDispatch(b: number): boolean {
  return (b & LOWPAN_DISPATCH.IPHC_MASK) === LOWPAN_DISPATCH.IPHC;
}
