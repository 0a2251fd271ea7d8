/**
 * ECHONET Lite frame codec, specified message format only (Part II §3.2):
 *
 *   EHD1 0x10 | EHD2 0x81 | TID u16 | SEOJ 3 | DEOJ 3 | ESV | OPC | {EPC, PDC, EDT[PDC]} × OPC
 *
 * SetGet services (0x6E, 0x7E, 0x5E) carry OPCSet and its properties, then OPCGet and its
 * properties. All integers big-endian. The arbitrary message format (EHD2 0x82) is refused, as
 * are unknown ESVs, an empty property list (except one of the two SetGet lists), data in a
 * read request (Get, INF_REQ, the Get list of SetGet), and trailing bytes.
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';
import {
  EHD1_ECHONET_LITE,
  EHD2_FORMAT1,
  EHD2_FORMAT2,
  ESV,
  isEsv,
  isReadRequestEsv,
  isSetGetEsv,
} from './constants.ts';
import type { Esv } from './constants.ts';
import { isEoj } from './eoj.ts';

const CODEC = 'echonet-lite';

export interface EchonetProperty {
  readonly epc: number;
  /** EDT; its length is PDC (0 in requests and in accepted Set responses). */
  readonly edt: Uint8Array;
}

export interface EchonetFrame {
  readonly tid: number;
  /** Source object, 24-bit (see eoj.ts). */
  readonly seoj: number;
  /** Destination object, 24-bit. */
  readonly deoj: number;
  readonly esv: Esv;
  /** The properties (OPC); for SetGet services, the Set list (OPCSet). */
  readonly properties: readonly EchonetProperty[];
  /** SetGet services only: the Get list (OPCGet). Absent for every other service. */
  readonly getProperties?: readonly EchonetProperty[];
}

function readList(r: ByteReader, what: string, allowEmpty: boolean, noData: boolean): EchonetProperty[] {
  const opc = r.u8(`${what} count`);
  if (opc === 0 && !allowEmpty) r.fail(`${what} count is 0`, r.offset - 1);
  const props: EchonetProperty[] = [];
  for (let i = 0; i < opc; i++) {
    const epc = r.u8('EPC');
    const pdc = r.u8('PDC');
    if (noData && pdc !== 0)
      r.fail(`EPC 0x${epc.toString(16)} carries ${pdc} data bytes in a read request`, r.offset - 1);
    props.push({ epc, edt: r.bytesCopy(pdc, `EDT of EPC 0x${epc.toString(16)}`) });
  }
  return props;
}

export function decodeFrame(bytes: Uint8Array): EchonetFrame {
  const r = new ByteReader(bytes, CODEC);
  const ehd1 = r.u8('EHD1');
  if (ehd1 !== EHD1_ECHONET_LITE) r.fail(`EHD1 0x${ehd1.toString(16)} is not ECHONET Lite (0x10)`, 0);
  const ehd2 = r.u8('EHD2');
  if (ehd2 === EHD2_FORMAT2) r.fail('arbitrary message format (EHD2 0x82) is not supported', 1);
  if (ehd2 !== EHD2_FORMAT1) r.fail(`EHD2 0x${ehd2.toString(16)} is not a message format`, 1);
  const tid = r.u16be('TID');
  const seoj = (r.u16be('SEOJ') << 8) | r.u8('SEOJ');
  const deoj = (r.u16be('DEOJ') << 8) | r.u8('DEOJ');
  const esv = r.u8('ESV');
  if (!isEsv(esv)) return r.fail(`unknown ESV 0x${esv.toString(16)}`, 10);
  let frame: EchonetFrame;
  if (isSetGetEsv(esv)) {
    const properties = readList(r, 'OPCSet', true, false);
    const getProperties = readList(r, 'OPCGet', true, esv === ESV.SetGet);
    if (properties.length === 0 && getProperties.length === 0) r.fail('SetGet with no property', 11);
    frame = { tid, seoj, deoj, esv, properties, getProperties };
  } else {
    frame = { tid, seoj, deoj, esv, properties: readList(r, 'OPC', false, isReadRequestEsv(esv)) };
  }
  r.end('frame');
  return frame;
}

function writeList(w: ByteWriter, props: readonly EchonetProperty[], what: string): void {
  if (props.length > 0xff) throw new RangeError(`${what}: at most 255 properties`);
  w.u8(props.length);
  for (const p of props) {
    if (!Number.isInteger(p.epc) || p.epc < 0 || p.epc > 0xff) throw new RangeError(`bad EPC ${p.epc}`);
    if (p.edt.length > 0xff) throw new RangeError(`EDT of EPC 0x${p.epc.toString(16)} longer than 255 bytes`);
    w.u8(p.epc).u8(p.edt.length).bytes(p.edt);
  }
}

export function encodeFrame(f: EchonetFrame): Uint8Array {
  if (!Number.isInteger(f.tid) || f.tid < 0 || f.tid > 0xffff)
    throw new RangeError(`TID must be a u16, got ${f.tid}`);
  if (!isEoj(f.seoj) || !isEoj(f.deoj)) throw new RangeError('SEOJ and DEOJ must be 24-bit');
  if (!isEsv(f.esv as number)) throw new RangeError(`unknown ESV ${String(f.esv)}`);
  const setGet = isSetGetEsv(f.esv);
  if (setGet !== (f.getProperties !== undefined)) {
    throw new RangeError('getProperties is required for SetGet services and allowed only for them');
  }
  if (!setGet && f.properties.length === 0) throw new RangeError('a frame needs at least one property');
  if (setGet && f.properties.length === 0 && f.getProperties!.length === 0) {
    throw new RangeError('SetGet needs at least one property');
  }
  const readOnly = (props: readonly EchonetProperty[]) => props.every((p) => p.edt.length === 0);
  if (isReadRequestEsv(f.esv) && !readOnly(f.properties)) throw new RangeError('read requests carry no EDT');
  if (f.esv === ESV.SetGet && !readOnly(f.getProperties!))
    throw new RangeError('the Get list of SetGet carries no EDT');
  const w = new ByteWriter(32);
  w.u8(EHD1_ECHONET_LITE).u8(EHD2_FORMAT1).u16be(f.tid);
  w.u16be(f.seoj >>> 8).u8(f.seoj & 0xff);
  w.u16be(f.deoj >>> 8).u8(f.deoj & 0xff);
  w.u8(f.esv);
  writeList(w, f.properties, 'OPC');
  if (setGet) writeList(w, f.getProperties!, 'OPCGet');
  return w.finish();
}

/** The property with `epc` in a frame's (Set) list, if present. */
export function findProperty(frame: EchonetFrame, epc: number): EchonetProperty | undefined {
  return frame.properties.find((p) => p.epc === epc);
}
