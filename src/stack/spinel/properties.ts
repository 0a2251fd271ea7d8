/**
 * Typed values of the properties the FieldRoot driver and the simulated dongle exchange. Formats
 * from spinel.h (the `Format:` line of each `SPINEL_PROP_*`):
 *
 *   LAST_STATUS i · PROTOCOL_VERSION ii · NCP_VERSION U · INTERFACE_TYPE i · CAPS A(i) · HWADDR E
 *   PHY_ENABLED b · PHY_CHAN C · PHY_CHAN_SUPPORTED A(C) · PHY_TX_POWER c · PHY_RSSI c
 *   MAC_15_4_LADDR E · MAC_15_4_SADDR S · MAC_15_4_PANID S · MAC_RAW_STREAM_ENABLED b
 *   MAC_PROMISCUOUS_MODE C · RCP_API_VERSION i · RCP_MIN_HOST_API_VERSION i
 *
 * Every decoder refuses trailing bytes. STREAM_RAW values live in `stream-raw.ts`; the LAST_STATUS
 * that answers a STREAM_RAW transmit is `decodeStreamRawTxDone`, not `LAST_STATUS` below.
 */
import { SPINEL_MAC_PROMISCUOUS_MODE, SPINEL_PROP } from './constants.ts';
import { SpinelReader, SpinelWriter } from './datatypes.ts';

export interface ProtocolVersion {
  major: number;
  minor: number;
}

/** Value type of each supported property, keyed by its spinel.h name. */
export interface SpinelPropValues {
  LAST_STATUS: number;
  PROTOCOL_VERSION: ProtocolVersion;
  NCP_VERSION: string;
  INTERFACE_TYPE: number;
  CAPS: number[];
  HWADDR: Uint8Array;
  PHY_ENABLED: boolean;
  PHY_CHAN: number;
  PHY_CHAN_SUPPORTED: number[];
  PHY_TX_POWER: number;
  PHY_RSSI: number;
  MAC_15_4_LADDR: Uint8Array;
  MAC_15_4_SADDR: number;
  MAC_15_4_PANID: number;
  MAC_RAW_STREAM_ENABLED: boolean;
  MAC_PROMISCUOUS_MODE: number;
  RCP_API_VERSION: number;
  RCP_MIN_HOST_API_VERSION: number;
}

export type SpinelPropName = keyof SpinelPropValues;

export interface PropCodec<T> {
  /** The spinel.h format string, for logs and docs. */
  readonly format: string;
  write(w: SpinelWriter, value: T): void;
  read(s: SpinelReader): T;
}

const packed: PropCodec<number> = {
  format: 'i',
  write: (w, v) => w.packed(v),
  read: (s) => s.packed(),
};
const bool: PropCodec<boolean> = { format: 'b', write: (w, v) => w.bool(v), read: (s) => s.bool() };
const uint8: PropCodec<number> = { format: 'C', write: (w, v) => w.uint8(v), read: (s) => s.uint8() };
const int8: PropCodec<number> = { format: 'c', write: (w, v) => w.int8(v), read: (s) => s.int8() };
const uint16: PropCodec<number> = { format: 'S', write: (w, v) => w.uint16(v), read: (s) => s.uint16() };
const eui64: PropCodec<Uint8Array> = { format: 'E', write: (w, v) => w.eui64(v), read: (s) => s.eui64() };
const utf8: PropCodec<string> = { format: 'U', write: (w, v) => w.utf8(v), read: (s) => s.utf8() };

function arrayOf(item: PropCodec<number>): PropCodec<number[]> {
  return {
    format: `A(${item.format})`,
    write: (w, v) => {
      for (const x of v) item.write(w, x);
    },
    read: (s) => {
      const out: number[] = [];
      while (!s.atEnd) out.push(item.read(s));
      return out;
    },
  };
}

export const SPINEL_PROP_CODECS: { readonly [K in SpinelPropName]: PropCodec<SpinelPropValues[K]> } = {
  LAST_STATUS: packed,
  PROTOCOL_VERSION: {
    format: 'ii',
    write: (w, v) => w.packed(v.major).packed(v.minor),
    read: (s) => ({ major: s.packed('major version'), minor: s.packed('minor version') }),
  },
  NCP_VERSION: utf8,
  INTERFACE_TYPE: packed,
  CAPS: arrayOf(packed),
  HWADDR: eui64,
  PHY_ENABLED: bool,
  PHY_CHAN: uint8,
  PHY_CHAN_SUPPORTED: arrayOf(uint8),
  PHY_TX_POWER: int8,
  PHY_RSSI: int8,
  MAC_15_4_LADDR: eui64,
  MAC_15_4_SADDR: uint16,
  MAC_15_4_PANID: uint16,
  MAC_RAW_STREAM_ENABLED: bool,
  MAC_PROMISCUOUS_MODE: {
    format: 'C',
    write: (w, v) => {
      if (v > SPINEL_MAC_PROMISCUOUS_MODE.FULL) throw new RangeError(`unknown promiscuous mode ${v}`);
      w.uint8(v, 'promiscuous mode');
    },
    read: (s) => {
      const v = s.uint8('promiscuous mode');
      // spinel.h defines OFF 0, NETWORK 1, FULL 2 (SPINEL_MAC_PROMISCUOUS_MODE_*).
      if (v > SPINEL_MAC_PROMISCUOUS_MODE.FULL) s.fail(`unknown promiscuous mode ${v}`);
      return v;
    },
  },
  RCP_API_VERSION: packed,
  RCP_MIN_HOST_API_VERSION: packed,
};

export function encodePropValue<K extends SpinelPropName>(name: K, value: SpinelPropValues[K]): Uint8Array {
  const w = new SpinelWriter();
  SPINEL_PROP_CODECS[name].write(w, value);
  return w.finish();
}

export function decodePropValue<K extends SpinelPropName>(name: K, bytes: Uint8Array): SpinelPropValues[K] {
  const s = SpinelReader.of(bytes, `spinel-prop-${name}`);
  const v = SPINEL_PROP_CODECS[name].read(s);
  s.end(`PROP_${name} value`);
  return v;
}

/** The spinel.h name of a supported property id, or undefined. */
export function supportedPropName(prop: number): SpinelPropName | undefined {
  for (const name of Object.keys(SPINEL_PROP_CODECS) as SpinelPropName[]) {
    if (SPINEL_PROP[name] === prop) return name;
  }
  return undefined;
}
