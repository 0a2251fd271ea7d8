/**
 * One ECHONET object as a table of properties: how each EPC is read, written and whether it is
 * announced. The property maps 0x9D (status-change announcement), 0x9E (Set) and 0x9F (Get)
 * (APPENDIX §2, device object super class) are derived from that table, so they always list
 * exactly what the object answers.
 */
import { METER_EPC, encodePropertyMap } from '../../../src/stack/echonet/index.ts';
import { DecodeError } from '../../../src/stack/wire/index.ts';

export interface PropertySpec {
  /** Reads the EDT; absent = not readable (Get/INF_REQ answer "not available"). */
  readonly get?: (now: number) => Uint8Array;
  /** Writes the EDT; throws DecodeError to refuse it. Absent = not writable. */
  readonly set?: (edt: Uint8Array, now: number) => void;
  /** Listed in the status-change announcement map (0x9D). */
  readonly announce?: boolean;
}

export class EchonetObjectModel {
  readonly getMap: readonly number[];
  readonly setMap: readonly number[];
  readonly announceMap: readonly number[];
  private readonly table: ReadonlyMap<number, PropertySpec>;

  constructor(
    readonly eoj: number,
    properties: ReadonlyMap<number, PropertySpec>,
  ) {
    const epcs = (pick: (p: PropertySpec) => boolean) =>
      [...properties].filter(([, p]) => pick(p)).map(([epc]) => epc);
    const maps = [
      METER_EPC.STATUS_CHANGE_ANNOUNCEMENT_PROPERTY_MAP,
      METER_EPC.SET_PROPERTY_MAP,
      METER_EPC.GET_PROPERTY_MAP,
    ];
    this.announceMap = epcs((p) => p.announce === true).sort((a, b) => a - b);
    this.setMap = epcs((p) => p.set !== undefined).sort((a, b) => a - b);
    this.getMap = [...new Set([...epcs((p) => p.get !== undefined), ...maps])].sort((a, b) => a - b);
    const announce = encodePropertyMap(this.announceMap);
    const set = encodePropertyMap(this.setMap);
    const get = encodePropertyMap(this.getMap);
    this.table = new Map([
      ...properties,
      [METER_EPC.STATUS_CHANGE_ANNOUNCEMENT_PROPERTY_MAP, { get: () => announce }],
      [METER_EPC.SET_PROPERTY_MAP, { get: () => set }],
      [METER_EPC.GET_PROPERTY_MAP, { get: () => get }],
    ]);
  }

  /** The EDT of `epc`, or null if the object has no readable `epc`. */
  get(epc: number, now: number): Uint8Array | null {
    return this.table.get(epc)?.get?.(now) ?? null;
  }

  /** Writes `epc`; false if the object has no writable `epc` or refuses the value. */
  set(epc: number, edt: Uint8Array, now: number): boolean {
    const setter = this.table.get(epc)?.set;
    if (setter === undefined) return false;
    try {
      setter(edt, now);
      return true;
    } catch (e) {
      if (e instanceof DecodeError) return false;
      throw e;
    }
  }
}
