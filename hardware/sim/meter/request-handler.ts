/**
 * The ECHONET Lite request services of a node's objects (ECHONET Lite Specification Part II
 * §3.2.5 and §4.2.3, "Basic sequences for service content"):
 *
 *  - Get 0x62 → Get_Res 0x72 with every value, or Get_SNA 0x52 when any property is not available;
 *    in Get_SNA the properties that failed carry PDC 0 and the others their values.
 *  - INF_REQ 0x63 → INF 0x73, or INF_SNA 0x53, with the same per-property rule.
 *  - SetC 0x61 → Set_Res 0x71 (each property with PDC 0), or SetC_SNA 0x51 where accepted
 *    properties carry PDC 0 and refused ones echo the requested EDT.
 *  - SetI 0x60 → no answer when every property is accepted, else SetI_SNA 0x50 (as SetC_SNA).
 *  - SetGet 0x6E → SetGet_Res 0x7E or SetGet_SNA 0x5E: the Set list is processed first, then the Get
 *    list; each list follows the rules above.
 *  - A DEOJ naming no object of this node gets no answer; instance code 0x00 addresses every
 *    instance of the class (Part II §3.2.4). Responses swap SEOJ/DEOJ and echo the TID.
 *  - Any other ESV (responses, INF, INFC, …) is not a request to answer here.
 */
import { ESV, eojClass, eojInstance } from '../../../src/stack/echonet/index.ts';
import type { EchonetFrame, EchonetProperty, Esv } from '../../../src/stack/echonet/index.ts';
import type { EchonetObjectModel } from './object-model.ts';

export type RequestOutcome =
  | { readonly kind: 'answer'; readonly frame: EchonetFrame }
  /** SetI that succeeded: no answer by design. */
  | { readonly kind: 'accepted-silently' }
  | { readonly kind: 'ignored'; readonly reason: 'not-a-request' | 'unknown-object' };

const EMPTY = new Uint8Array(0);

/** The object `deoj` names, or null (instance 0x00 = all instances of the class). */
export function addressedObject(
  objects: readonly EchonetObjectModel[],
  deoj: number,
): EchonetObjectModel | null {
  const exact = objects.find((o) => o.eoj === deoj);
  if (exact !== undefined) return exact;
  if (eojInstance(deoj) !== 0) return null;
  return objects.find((o) => eojClass(o.eoj) === eojClass(deoj)) ?? null;
}

function reads(o: EchonetObjectModel, list: readonly EchonetProperty[], now: number) {
  let ok = true;
  const out = list.map((p) => {
    const edt = o.get(p.epc, now);
    if (edt === null) ok = false;
    return { epc: p.epc, edt: edt ?? EMPTY };
  });
  return { ok, out };
}

function writes(o: EchonetObjectModel, list: readonly EchonetProperty[], now: number) {
  let ok = true;
  const out = list.map((p) => {
    const accepted = o.set(p.epc, p.edt, now);
    if (!accepted) ok = false;
    return { epc: p.epc, edt: accepted ? EMPTY : p.edt };
  });
  return { ok, out };
}

export function serveRequest(
  objects: readonly EchonetObjectModel[],
  req: EchonetFrame,
  now: number,
): RequestOutcome {
  const requests: readonly number[] = [ESV.Get, ESV.INF_REQ, ESV.SetC, ESV.SetI, ESV.SetGet];
  if (!requests.includes(req.esv)) return { kind: 'ignored', reason: 'not-a-request' };
  const o = addressedObject(objects, req.deoj);
  if (o === null) return { kind: 'ignored', reason: 'unknown-object' };
  const answer = (esv: Esv, properties: EchonetProperty[], getProperties?: EchonetProperty[]) => ({
    kind: 'answer' as const,
    frame: {
      tid: req.tid,
      seoj: o.eoj,
      deoj: req.seoj,
      esv,
      properties,
      ...(getProperties !== undefined ? { getProperties } : {}),
    },
  });
  switch (req.esv) {
    case ESV.Get: {
      const r = reads(o, req.properties, now);
      return answer(r.ok ? ESV.Get_Res : ESV.Get_SNA, r.out);
    }
    case ESV.INF_REQ: {
      const r = reads(o, req.properties, now);
      return answer(r.ok ? ESV.INF : ESV.INF_SNA, r.out);
    }
    case ESV.SetC: {
      const w = writes(o, req.properties, now);
      return answer(w.ok ? ESV.Set_Res : ESV.SetC_SNA, w.out);
    }
    case ESV.SetI: {
      const w = writes(o, req.properties, now);
      return w.ok ? { kind: 'accepted-silently' } : answer(ESV.SetI_SNA, w.out);
    }
    default: {
      // SetGet: Set list first, then Get list
      const w = writes(o, req.properties, now);
      const r = reads(o, req.getProperties ?? [], now);
      return answer(w.ok && r.ok ? ESV.SetGet_Res : ESV.SetGet_SNA, w.out, r.out);
    }
  }
}
