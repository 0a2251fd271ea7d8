/**
 * RPL control message options (RFC 6550 §6.7): Type, Length (bytes after the two-byte header),
 * data. Each known option has its length checked (§6.7.1); unknown options are kept as bytes
 * (the RFC says to skip them) but must still fit.
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';
import { maskPrefix, type Ipv6Address } from '../ipv6/index.ts';
import { RPL_OPTION_TYPE } from './constants.ts';

export type RplOption =
  | { type: typeof RPL_OPTION_TYPE.PAD1 }
  /** `length`: the Option Length, 0..5 (N = length + 2 bytes of padding, §6.7.3). */
  | { type: typeof RPL_OPTION_TYPE.PADN; length: number }
  /** Metric objects (RFC 6551) kept as bytes. */
  | { type: typeof RPL_OPTION_TYPE.DAG_METRIC_CONTAINER; data: Uint8Array }
  | {
      type: typeof RPL_OPTION_TYPE.ROUTE_INFORMATION;
      prefixLength: number;
      /** Route preference, 2-bit signed per RFC 4191 (0 medium, 1 high, 3 low, 2 reserved). */
      preference: number;
      /** Seconds; 0xFFFFFFFF is infinity. */
      routeLifetime: number;
      /** 16 bytes, bits after `prefixLength` zero. */
      prefix: Ipv6Address;
    }
  | {
      type: typeof RPL_OPTION_TYPE.DODAG_CONFIGURATION;
      /** The four high flag bits (RFC 9008 assigns one of them); kept, not interpreted. */
      flags: number;
      authenticationEnabled: boolean;
      pathControlSize: number;
      dioIntervalDoublings: number;
      dioIntervalMin: number;
      dioRedundancyConstant: number;
      maxRankIncrease: number;
      minHopRankIncrease: number;
      objectiveCodePoint: number;
      defaultLifetime: number;
      lifetimeUnit: number;
    }
  | { type: typeof RPL_OPTION_TYPE.RPL_TARGET; prefixLength: number; prefix: Ipv6Address }
  | {
      type: typeof RPL_OPTION_TYPE.TRANSIT_INFORMATION;
      external: boolean;
      pathControl: number;
      pathSequence: number;
      pathLifetime: number;
      /** Present in non-storing mode (Option Length 20), absent in storing mode (4), §6.7.8. */
      parentAddress?: Ipv6Address;
    }
  | {
      type: typeof RPL_OPTION_TYPE.SOLICITED_INFORMATION;
      instanceId: number;
      /** V, I, D predicates: which of the fields below must match. */
      versionPredicate: boolean;
      instanceIdPredicate: boolean;
      dodagIdPredicate: boolean;
      dodagId: Ipv6Address;
      version: number;
    }
  | {
      type: typeof RPL_OPTION_TYPE.PREFIX_INFORMATION;
      prefixLength: number;
      onLink: boolean;
      autonomous: boolean;
      /** R: `prefix` holds the sender's whole address, so bits past the prefix length are kept. */
      routerAddress: boolean;
      validLifetime: number;
      preferredLifetime: number;
      prefix: Ipv6Address;
    }
  | { type: typeof RPL_OPTION_TYPE.TARGET_DESCRIPTOR; descriptor: number }
  | { type: 'unknown'; optionType: number; data: Uint8Array };

const CODEC = 'rpl';

function range(v: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} ${v} out of range 0..${max}`);
  return v;
}

function addr(a: Uint8Array, what: string): Uint8Array {
  if (a.length !== 16) throw new RangeError(`${what} must be 16 bytes`);
  return a;
}

function option(w: ByteWriter, type: number, body: (b: ByteWriter) => void): void {
  const b = new ByteWriter(32);
  body(b);
  if (b.length > 255) throw new RangeError(`option ${type} longer than 255 bytes`);
  w.u8(type).u8(b.length).bytes(b.finish());
}

export function writeRplOption(w: ByteWriter, o: RplOption): void {
  switch (o.type) {
    case RPL_OPTION_TYPE.PAD1:
      w.u8(RPL_OPTION_TYPE.PAD1);
      return;
    case RPL_OPTION_TYPE.PADN:
      w.u8(RPL_OPTION_TYPE.PADN)
        .u8(range(o.length, 5, 'PadN length'))
        .zeros(o.length);
      return;
    case RPL_OPTION_TYPE.DAG_METRIC_CONTAINER:
      return option(w, o.type, (b) => b.bytes(o.data));
    case RPL_OPTION_TYPE.ROUTE_INFORMATION:
      return option(w, o.type, (b) => {
        b.u8(range(o.prefixLength, 128, 'prefix length')).u8(range(o.preference, 3, 'preference') << 3);
        b.u32be(range(o.routeLifetime, 0xffffffff, 'route lifetime'));
        b.bytes(
          maskPrefix(addr(o.prefix, 'prefix'), o.prefixLength).subarray(0, Math.ceil(o.prefixLength / 8)),
        );
      });
    case RPL_OPTION_TYPE.DODAG_CONFIGURATION:
      return option(w, o.type, (b) => {
        b.u8(
          (range(o.flags, 15, 'flags') << 4) |
            (o.authenticationEnabled ? 0x08 : 0) |
            range(o.pathControlSize, 7, 'PCS'),
        );
        b.u8(range(o.dioIntervalDoublings, 255, 'DIOIntDoubl')).u8(range(o.dioIntervalMin, 255, 'DIOIntMin'));
        b.u8(range(o.dioRedundancyConstant, 255, 'DIORedun'));
        b.u16be(range(o.maxRankIncrease, 0xffff, 'MaxRankIncrease')).u16be(
          range(o.minHopRankIncrease, 0xffff, 'MinHopRankIncrease'),
        );
        b.u16be(range(o.objectiveCodePoint, 0xffff, 'OCP')).u8(0);
        b.u8(range(o.defaultLifetime, 255, 'Default Lifetime')).u16be(
          range(o.lifetimeUnit, 0xffff, 'Lifetime Unit'),
        );
      });
    case RPL_OPTION_TYPE.RPL_TARGET:
      return option(w, o.type, (b) => {
        b.u8(0).u8(range(o.prefixLength, 128, 'prefix length'));
        b.bytes(
          maskPrefix(addr(o.prefix, 'target'), o.prefixLength).subarray(0, Math.ceil(o.prefixLength / 8)),
        );
      });
    case RPL_OPTION_TYPE.TRANSIT_INFORMATION:
      return option(w, o.type, (b) => {
        b.u8(o.external ? 0x80 : 0).u8(range(o.pathControl, 255, 'path control'));
        b.u8(range(o.pathSequence, 255, 'path sequence')).u8(range(o.pathLifetime, 255, 'path lifetime'));
        if (o.parentAddress) b.bytes(addr(o.parentAddress, 'parent address'));
      });
    case RPL_OPTION_TYPE.SOLICITED_INFORMATION:
      return option(w, o.type, (b) => {
        b.u8(range(o.instanceId, 255, 'RPLInstanceID'));
        b.u8(
          (o.versionPredicate ? 0x80 : 0) |
            (o.instanceIdPredicate ? 0x40 : 0) |
            (o.dodagIdPredicate ? 0x20 : 0),
        );
        b.bytes(addr(o.dodagId, 'DODAGID')).u8(range(o.version, 255, 'version'));
      });
    case RPL_OPTION_TYPE.PREFIX_INFORMATION:
      return option(w, o.type, (b) => {
        b.u8(range(o.prefixLength, 128, 'prefix length'));
        b.u8((o.onLink ? 0x80 : 0) | (o.autonomous ? 0x40 : 0) | (o.routerAddress ? 0x20 : 0));
        b.u32be(range(o.validLifetime, 0xffffffff, 'valid lifetime')).u32be(
          range(o.preferredLifetime, 0xffffffff, 'preferred lifetime'),
        );
        b.u32be(0).bytes(addr(o.prefix, 'prefix'));
      });
    case RPL_OPTION_TYPE.TARGET_DESCRIPTOR:
      return option(w, o.type, (b) => b.u32be(range(o.descriptor, 0xffffffff, 'descriptor')));
    case 'unknown':
      if (o.optionType <= RPL_OPTION_TYPE.TARGET_DESCRIPTOR)
        throw new RangeError(`use the typed form of option ${o.optionType}`);
      return option(w, range(o.optionType, 255, 'option type'), (b) => b.bytes(o.data));
  }
}

function exactLength(
  r: ByteReader,
  len: number,
  expected: readonly number[],
  name: string,
  at: number,
): void {
  if (!expected.includes(len))
    r.fail(`${name} option length ${len}, expected ${expected.join(' or ')} (RFC 6550 §6.7)`, at + 1);
}

/** A variable-length prefix field: at least the bytes the prefix length needs, at most 16. */
function readPrefix(
  r: ByteReader,
  prefixLength: number,
  available: number,
  name: string,
  at: number,
): Ipv6Address {
  if (prefixLength > 128) r.fail(`${name} prefix length ${prefixLength} > 128`, at);
  const need = Math.ceil(prefixLength / 8);
  if (available < need || available > 16)
    r.fail(`${name} carries ${available} prefix bytes for a /${prefixLength}`, at);
  // bits past the prefix length are reserved, ignored by the receiver (§6.7.5, §6.7.7)
  return maskPrefix(r.bytesView(available, `${name} prefix`), prefixLength);
}

export function readRplOption(r: ByteReader): RplOption {
  const at = r.offset;
  const type = r.u8('option type');
  if (type === RPL_OPTION_TYPE.PAD1) return { type: RPL_OPTION_TYPE.PAD1 };
  const len = r.u8('option length');
  const b = r.sub(len, `option ${type}`);
  switch (type) {
    case RPL_OPTION_TYPE.PADN:
      if (len > 5) r.fail(`PadN option length ${len}, at most 5 (RFC 6550 §6.7.3)`, at + 1);
      return { type, length: len };
    case RPL_OPTION_TYPE.DAG_METRIC_CONTAINER:
      return { type, data: b.rest() };
    case RPL_OPTION_TYPE.ROUTE_INFORMATION: {
      if (len < 6)
        r.fail(`Route Information option length ${len}, need at least 6 (RFC 6550 §6.7.5)`, at + 1);
      const prefixLength = b.u8();
      const preference = (b.u8() >> 3) & 3; // Resvd(3) Prf(2) Resvd(3)
      const routeLifetime = b.u32be();
      const prefix = readPrefix(b, prefixLength, len - 6, 'Route Information', at + 2);
      return { type, prefixLength, preference, routeLifetime, prefix };
    }
    case RPL_OPTION_TYPE.DODAG_CONFIGURATION: {
      exactLength(r, len, [14], 'DODAG Configuration', at);
      const f = b.u8();
      const dioIntervalDoublings = b.u8();
      const dioIntervalMin = b.u8();
      const dioRedundancyConstant = b.u8();
      const maxRankIncrease = b.u16be();
      const minHopRankIncrease = b.u16be();
      const objectiveCodePoint = b.u16be();
      b.skip(1, 'reserved');
      const defaultLifetime = b.u8();
      const lifetimeUnit = b.u16be();
      return {
        type,
        flags: f >> 4,
        authenticationEnabled: (f & 0x08) !== 0,
        pathControlSize: f & 0x07,
        dioIntervalDoublings,
        dioIntervalMin,
        dioRedundancyConstant,
        maxRankIncrease,
        minHopRankIncrease,
        objectiveCodePoint,
        defaultLifetime,
        lifetimeUnit,
      };
    }
    case RPL_OPTION_TYPE.RPL_TARGET: {
      if (len < 2) r.fail(`RPL Target option length ${len}, need at least 2 (RFC 6550 §6.7.7)`, at + 1);
      b.skip(1, 'flags');
      const prefixLength = b.u8();
      return { type, prefixLength, prefix: readPrefix(b, prefixLength, len - 2, 'RPL Target', at + 2) };
    }
    case RPL_OPTION_TYPE.TRANSIT_INFORMATION: {
      exactLength(r, len, [4, 20], 'Transit Information', at);
      const external = (b.u8() & 0x80) !== 0;
      const pathControl = b.u8();
      const pathSequence = b.u8();
      const pathLifetime = b.u8();
      const o: RplOption = { type, external, pathControl, pathSequence, pathLifetime };
      if (len === 20) o.parentAddress = b.bytesCopy(16, 'parent address');
      return o;
    }
    case RPL_OPTION_TYPE.SOLICITED_INFORMATION: {
      exactLength(r, len, [19], 'Solicited Information', at);
      const instanceId = b.u8();
      const f = b.u8();
      const dodagId = b.bytesCopy(16, 'DODAGID');
      const version = b.u8();
      return {
        type,
        instanceId,
        versionPredicate: (f & 0x80) !== 0,
        instanceIdPredicate: (f & 0x40) !== 0,
        dodagIdPredicate: (f & 0x20) !== 0,
        dodagId,
        version,
      };
    }
    case RPL_OPTION_TYPE.PREFIX_INFORMATION: {
      exactLength(r, len, [30], 'Prefix Information', at);
      const prefixLength = b.u8();
      if (prefixLength > 128) r.fail(`Prefix Information prefix length ${prefixLength} > 128`, at + 2);
      const f = b.u8();
      const validLifetime = b.u32be();
      const preferredLifetime = b.u32be();
      b.skip(4, 'reserved');
      return {
        type,
        prefixLength,
        onLink: (f & 0x80) !== 0,
        autonomous: (f & 0x40) !== 0,
        routerAddress: (f & 0x20) !== 0,
        validLifetime,
        preferredLifetime,
        prefix: b.bytesCopy(16, 'prefix'),
      };
    }
    case RPL_OPTION_TYPE.TARGET_DESCRIPTOR:
      exactLength(r, len, [4], 'Target Descriptor', at);
      return { type, descriptor: b.u32be() };
    default:
      return { type: 'unknown', optionType: type, data: b.rest() };
  }
}

/** Reads options to the end of `r`. */
export function readRplOptions(r: ByteReader): RplOption[] {
  const out: RplOption[] = [];
  while (!r.atEnd) out.push(readRplOption(r));
  return out;
}

export function encodeRplOptions(options: readonly RplOption[]): Uint8Array {
  const w = new ByteWriter(64);
  for (const o of options) writeRplOption(w, o);
  return w.finish();
}

export function decodeRplOptions(bytes: Uint8Array): RplOption[] {
  return readRplOptions(new ByteReader(bytes, CODEC));
}
