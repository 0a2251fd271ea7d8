/**
 * pcapng blocks (draft-ietf-opsawg-pcapng: §4.1 Section Header Block, §4.2 Interface Description
 * Block, §4.3 Enhanced Packet Block, §3.5 options). The writer emits little-endian sections; the
 * reader is strict and accepts either byte order.
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';

export const PCAPNG_CODEC = 'pcapng';

export const BLOCK_TYPE = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 0x00000001,
  SIMPLE_PACKET: 0x00000003,
  ENHANCED_PACKET: 0x00000006,
} as const;

/** Link types used here (tcpdump.org link-layer header types / draft-ietf-opsawg-pcaplinktype). */
export const LINKTYPE = {
  IEEE802_15_4_WITHFCS: 195,
  IEEE802_15_4_NOFCS: 230,
  IEEE802_15_4_TAP: 283,
} as const;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
// Option codes (§3.5, §4.1, §4.2).
const OPT_ENDOFOPT = 0;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_TSRESOL = 9;

export interface PcapngOption {
  code: number;
  value: Uint8Array;
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function writeOptions(w: ByteWriter, options: readonly PcapngOption[]): void {
  if (options.length === 0) return;
  for (const o of options) {
    if (o.value.length > 0xffff) throw new RangeError(`pcapng option ${o.code} too long`);
    w.u16le(o.code).u16le(o.value.length).bytes(o.value).zeros(pad4(o.value.length));
  }
  w.u16le(OPT_ENDOFOPT).u16le(0);
}

/** Frames a block: type, total length, body (padded to 32 bits), total length again (§3.1). */
function block(type: number, body: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter(64);
  w.u32le(type).u32le(0);
  body(w);
  w.zeros(pad4(w.length));
  const total = w.length + 4;
  w.u32le(total);
  w.patchU32le(4, total);
  return w.finish();
}

const utf8 = new TextEncoder();

export function encodeSectionHeaderBlock(options: { userApplication?: string } = {}): Uint8Array {
  const opts: PcapngOption[] = [];
  if (options.userApplication) opts.push({ code: SHB_USERAPPL, value: utf8.encode(options.userApplication) });
  return block(BLOCK_TYPE.SECTION_HEADER, (w) => {
    w.u32le(BYTE_ORDER_MAGIC).u16le(1).u16le(0); // version 1.0
    w.u64le(0xffff_ffff_ffff_ffffn); // section length unspecified (-1)
    writeOptions(w, opts);
  });
}

/** IDB with if_tsresol = 6 (microseconds) and an optional if_name. */
export function encodeInterfaceDescriptionBlock(
  linkType: number,
  options: { snapLength?: number; name?: string } = {},
): Uint8Array {
  const opts: PcapngOption[] = [];
  if (options.name) opts.push({ code: IF_NAME, value: utf8.encode(options.name) });
  opts.push({ code: IF_TSRESOL, value: new Uint8Array([6]) }); // 10^-6 s
  return block(BLOCK_TYPE.INTERFACE_DESCRIPTION, (w) => {
    w.u16le(linkType)
      .u16le(0)
      .u32le(options.snapLength ?? 0);
    writeOptions(w, opts);
  });
}

export function encodeEnhancedPacketBlock(
  interfaceId: number,
  timestamp: bigint,
  data: Uint8Array,
  originalLength = data.length,
): Uint8Array {
  if (timestamp < 0n || timestamp > 0xffff_ffff_ffff_ffffn) throw new RangeError('timestamp is not a u64');
  return block(BLOCK_TYPE.ENHANCED_PACKET, (w) => {
    w.u32le(interfaceId);
    w.u32le(Number(timestamp >> 32n)).u32le(Number(timestamp & 0xffffffffn)); // high, low (§4.3)
    w.u32le(data.length).u32le(originalLength);
    w.bytes(data);
  });
}

// ---------------------------------------------------------------- reader

export interface PcapngInterface {
  section: number;
  linkType: number;
  snapLength: number;
  /** Timestamp units per second as base^exponent: if_tsresol (§4.2), default 10^6. */
  tsResolution: { base: 2 | 10; exponent: number };
  name?: string;
  options: PcapngOption[];
}

export interface PcapngPacket {
  interface: PcapngInterface;
  interfaceId: number;
  /** Raw timestamp in the interface's units. */
  timestamp: bigint;
  /** Timestamp converted to microseconds (truncated). */
  timestampMicros: bigint;
  data: Uint8Array;
  originalLength: number;
}

export interface PcapngSection {
  littleEndian: boolean;
  majorVersion: number;
  minorVersion: number;
  userApplication?: string;
}

export interface PcapngFile {
  sections: PcapngSection[];
  interfaces: PcapngInterface[];
  packets: PcapngPacket[];
}

class Endian {
  constructor(
    readonly r: ByteReader,
    readonly le: boolean,
  ) {}
  u16(what: string): number {
    return this.le ? this.r.u16le(what) : this.r.u16be(what);
  }
  u32(what: string): number {
    return this.le ? this.r.u32le(what) : this.r.u32be(what);
  }
}

function readOptions(e: Endian, what: string): PcapngOption[] {
  const r = e.r;
  const out: PcapngOption[] = [];
  while (!r.atEnd) {
    const at = r.offset;
    const code = e.u16(`${what} option code`);
    const length = e.u16(`${what} option length`);
    if (code === OPT_ENDOFOPT) {
      if (length !== 0) r.fail('opt_endofopt with non-zero length', at);
      r.end(`${what} options`); // §3.5: opt_endofopt is the last option
      break;
    }
    const value = r.bytesCopy(length, `${what} option ${code}`);
    r.skip(pad4(length), `${what} option padding`);
    out.push({ code, value });
  }
  return out;
}

const utf8d = new TextDecoder('utf-8', { fatal: false });

/** Strict pcapng reader. Throws DecodeError (codec "pcapng"). */
export function readPcapng(bytes: Uint8Array): PcapngFile {
  const r: ByteReader = new ByteReader(bytes, PCAPNG_CODEC);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const file: PcapngFile = { sections: [], interfaces: [], packets: [] };
  let section: PcapngSection | undefined;
  let sectionInterfaces: PcapngInterface[] = [];
  if (bytes.length === 0) r.fail('empty file');
  while (!r.atEnd) {
    const start = r.offset;
    // §3.1: every block has type, total length, body, total length: at least 12 bytes.
    if (r.remaining < 12) r.fail(`truncated block header (${r.remaining} bytes left)`);
    let le: boolean;
    if (view.getUint32(start, true) === BLOCK_TYPE.SECTION_HEADER) {
      // §4.1: the byte-order magic tells the byte order of the whole section.
      const bom = view.getUint32(start + 8, true);
      if (bom === BYTE_ORDER_MAGIC) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else r.fail('bad byte-order magic', start + 8);
    } else {
      if (!section) r.fail('file does not start with a section header block', start);
      le = section.littleEndian;
    }
    const type = view.getUint32(start, le);
    const total = view.getUint32(start + 4, le);
    if (total < 12 || total % 4 !== 0) r.fail(`bad block total length ${total}`, start + 4);
    if (total > r.remaining) r.fail(`block of ${total} bytes runs past the end of the file`, start + 4);
    if (view.getUint32(start + total - 4, le) !== total) {
      r.fail('trailing block total length differs from the leading one', start + total - 4);
    }
    const body: ByteReader = new ByteReader(
      bytes.subarray(start + 8, start + total - 4),
      PCAPNG_CODEC,
      start + 8,
    );
    const e = new Endian(body, le);
    if (type === BLOCK_TYPE.SECTION_HEADER) {
      e.u32('byte-order magic');
      const majorVersion = e.u16('major version');
      const minorVersion = e.u16('minor version');
      if (majorVersion !== 1) body.fail(`unsupported pcapng major version ${majorVersion}`, 4);
      body.skip(8, 'section length');
      const options = readOptions(e, 'SHB');
      section = { littleEndian: le, majorVersion, minorVersion };
      const appl = options.find((o) => o.code === SHB_USERAPPL);
      if (appl) section.userApplication = utf8d.decode(appl.value);
      file.sections.push(section);
      sectionInterfaces = [];
    } else if (type === BLOCK_TYPE.INTERFACE_DESCRIPTION) {
      const linkType = e.u16('link type');
      if (e.u16('reserved') !== 0) body.fail('IDB reserved field is not zero', 2);
      const snapLength = e.u32('snap length');
      const options = readOptions(e, 'IDB');
      const iface: PcapngInterface = {
        section: file.sections.length - 1,
        linkType,
        snapLength,
        tsResolution: { base: 10, exponent: 6 },
        options,
      };
      for (const o of options) {
        if (o.code === IF_TSRESOL) {
          // §4.2: MSB 0 → 10^-n, MSB 1 → 2^-n.
          if (o.value.length !== 1) body.fail('if_tsresol must be 1 byte');
          const v = o.value[0]!;
          iface.tsResolution = { base: v & 0x80 ? 2 : 10, exponent: v & 0x7f };
          if (iface.tsResolution.base === 10 && iface.tsResolution.exponent > 19) {
            body.fail('if_tsresol exponent beyond 64-bit range');
          }
        }
        if (o.code === IF_NAME) iface.name = utf8d.decode(o.value);
      }
      sectionInterfaces.push(iface);
      file.interfaces.push(iface);
    } else if (type === BLOCK_TYPE.ENHANCED_PACKET) {
      const interfaceId = e.u32('interface id');
      const iface = sectionInterfaces[interfaceId];
      if (!iface) body.fail(`EPB refers to undeclared interface ${interfaceId}`, 0);
      const high = e.u32('timestamp (high)');
      const low = e.u32('timestamp (low)');
      const capturedLength = e.u32('captured packet length');
      const originalLength = e.u32('original packet length');
      if (capturedLength > originalLength) body.fail('captured length exceeds original length', 12);
      if (iface.snapLength !== 0 && capturedLength > iface.snapLength) {
        body.fail('captured length exceeds snap length', 12);
      }
      const data = body.bytesCopy(capturedLength, 'packet data');
      body.skip(pad4(capturedLength), 'packet data padding');
      readOptions(e, 'EPB');
      const timestamp = (BigInt(high) << 32n) | BigInt(low);
      file.packets.push({
        interface: iface,
        interfaceId,
        timestamp,
        timestampMicros: toMicros(timestamp, iface.tsResolution),
        data,
        originalLength,
      });
    }
    // Other block types are skipped (§3.1: readers skip blocks they do not understand).
    r.skip(total, 'block');
  }
  return file;
}

function toMicros(ts: bigint, res: { base: 2 | 10; exponent: number }): bigint {
  const units = BigInt(res.base) ** BigInt(res.exponent);
  return (ts * 1_000_000n) / units;
}
