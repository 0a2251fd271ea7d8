/**
 * 802.15.4 capture writer and reader (sans-I/O: the writer returns byte chunks; a file sink lives
 * at the edges). Link type 283 (IEEE802_15_4_TAP) carries FCS type, channel, RSS and LQI per
 * frame (DESIGN.md §4 "captures"); link type 195 (IEEE802_15_4_WITHFCS) carries the bare frame.
 * Frames are written as on air, i.e. still encrypted: captures never contain keys or plaintext.
 */
import type { FcsLength } from '../ieee802154/fcs.ts';
import { appendFcs } from '../ieee802154/fcs.ts';
import { ByteReader } from '../wire/index.ts';
import type { TapFcsType } from './ieee802154-tap.ts';
import { decodeTapPacket, encodeTapPacket } from './ieee802154-tap.ts';
import {
  encodeEnhancedPacketBlock,
  encodeInterfaceDescriptionBlock,
  encodeSectionHeaderBlock,
  LINKTYPE,
  PCAPNG_CODEC,
  readPcapng,
} from './pcapng.ts';

export interface CaptureRecord {
  timestampMicros: bigint;
  /** The frame as on air. Includes its FCS unless the writer was told to append it. */
  frame: Uint8Array;
  /** 1 = 16-bit FCS, 2 = 32-bit FCS (SUN PHY); 0 = the frame carries none. */
  fcsType: TapFcsType;
  channel: number;
  page?: number;
  rssiDbm?: number;
  lqi?: number;
}

export interface CaptureWriterOptions {
  /** 283 (TAP, default) or 195 (frame with FCS, no metadata). */
  linkType?: typeof LINKTYPE.IEEE802_15_4_TAP | typeof LINKTYPE.IEEE802_15_4_WITHFCS;
  /** Frames come without FCS (e.g. from a radio that strips it): compute and append it. */
  appendFcs?: boolean;
  interfaceName?: string;
  userApplication?: string;
}

const fcsLengthOf = (t: TapFcsType): FcsLength => (t === 1 ? 2 : t === 2 ? 4 : 0);

/** Produces a pcapng stream chunk by chunk: `start()` once, then `record()` per frame. */
export class Ieee802154CaptureWriter {
  readonly linkType: number;
  private readonly appendFcs: boolean;

  constructor(private readonly options: CaptureWriterOptions = {}) {
    this.linkType = options.linkType ?? LINKTYPE.IEEE802_15_4_TAP;
    if (this.linkType !== LINKTYPE.IEEE802_15_4_TAP && this.linkType !== LINKTYPE.IEEE802_15_4_WITHFCS) {
      throw new RangeError(`link type ${this.linkType} is not 283 or 195`);
    }
    this.appendFcs = options.appendFcs ?? false;
  }

  /** Section Header Block and Interface Description Block (if_tsresol = microseconds). */
  start(): Uint8Array {
    const shb = encodeSectionHeaderBlock({ userApplication: this.options.userApplication ?? 'FieldRoot' });
    const idb = encodeInterfaceDescriptionBlock(this.linkType, {
      snapLength: 65535,
      ...(this.options.interfaceName !== undefined ? { name: this.options.interfaceName } : {}),
    });
    const out = new Uint8Array(shb.length + idb.length);
    out.set(shb);
    out.set(idb, shb.length);
    return out;
  }

  /** One Enhanced Packet Block. */
  record(rec: CaptureRecord): Uint8Array {
    const frame = this.appendFcs ? appendFcs(rec.frame, fcsLengthOf(rec.fcsType)) : rec.frame;
    if (frame.length < fcsLengthOf(rec.fcsType)) throw new RangeError('frame shorter than its FCS');
    let data: Uint8Array;
    if (this.linkType === LINKTYPE.IEEE802_15_4_TAP) {
      data = encodeTapPacket(
        {
          fcsType: rec.fcsType,
          channel: rec.channel,
          page: rec.page ?? 0,
          ...(rec.rssiDbm !== undefined ? { rssiDbm: rec.rssiDbm } : {}),
          ...(rec.lqi !== undefined ? { lqi: rec.lqi } : {}),
        },
        frame,
      );
    } else {
      if (rec.fcsType === 0) throw new RangeError('link type 195 frames carry an FCS');
      data = frame;
    }
    if (data.length > 65535) throw new RangeError('packet longer than the snap length');
    return encodeEnhancedPacketBlock(0, rec.timestampMicros, data);
  }
}

/** Convenience: a whole capture in one buffer. */
export function writeIeee802154Capture(
  records: readonly CaptureRecord[],
  options: CaptureWriterOptions = {},
): Uint8Array {
  const w = new Ieee802154CaptureWriter(options);
  const chunks = [w.start(), ...records.map((r) => w.record(r))];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

export interface ReadCaptureRecord extends CaptureRecord {
  linkType: number;
}

/**
 * Reads an 802.15.4 pcapng capture (link types 283 and 195). Link type 195 frames are reported
 * with fcsType 1 and channel 0 (the format has no metadata). Throws DecodeError.
 */
export function readIeee802154Capture(bytes: Uint8Array): ReadCaptureRecord[] {
  const file = readPcapng(bytes);
  return file.packets.map((p) => {
    const linkType = p.interface.linkType;
    if (linkType === LINKTYPE.IEEE802_15_4_TAP) {
      const { info, frame } = decodeTapPacket(p.data);
      const rec: ReadCaptureRecord = {
        linkType,
        timestampMicros: p.timestampMicros,
        frame,
        fcsType: info.fcsType,
        channel: info.channel ?? 0,
      };
      if (info.page !== undefined) rec.page = info.page;
      if (info.rssiDbm !== undefined) rec.rssiDbm = info.rssiDbm;
      if (info.lqi !== undefined) rec.lqi = info.lqi;
      return rec;
    }
    if (linkType === LINKTYPE.IEEE802_15_4_WITHFCS) {
      if (p.data.length < 2)
        new ByteReader(p.data, PCAPNG_CODEC).fail('link type 195 packet shorter than its FCS');
      return { linkType, timestampMicros: p.timestampMicros, frame: p.data, fcsType: 1, channel: 0 };
    }
    return new ByteReader(p.data, PCAPNG_CODEC).fail(`link type ${linkType} is not an 802.15.4 link type`);
  });
}
