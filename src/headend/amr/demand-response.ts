/**
 * Demand response (issue #5 item 3): disconnect, reconnect and load limit through FieldRoot's
 * user-defined EPCs 0xF0/0xF1 (src/stack/echonet/fieldroot-dr.ts).
 *
 * Every command:
 *  1. needs a supervisor-issued authorisation for that meter and that action (and that limit),
 *     unused and unexpired; it is consumed by the command (single use);
 *  2. is sent only to a meter that implements FieldRoot's assignment — its manufacturer code
 *     (0x8A) is one of `drManufacturers` and its Set property map (0x9E) lists the EPC — because
 *     other makers use 0xF0–0xFF for their own purposes (APPENDIX §1: user-defined EPCs);
 *  3. is a SetC (Part II §4.2.3.1, so the meter answers Set_Res or SetC_SNA), then confirmed by a
 *     Get of the same EPC: the state read back must be the one asked for;
 *  4. is audited: who (worker and supervisor), when, through which tool, the result.
 */
import {
  EOJ,
  ESV,
  FIELDROOT_DR_EPC,
  decodeDrLoadLimit,
  decodeDrSwitchState,
  decodePropertyMap,
  encodeDrLoadLimit,
  encodeDrSwitchState,
} from '../../stack/echonet/index.ts';
import type { EchonetFrame, EchonetProperty } from '../../stack/echonet/index.ts';
import { DecodeError } from '../../stack/wire/index.ts';
import type { AmrRepository, AuditRepository, DrAction, DrAuthorisationRecord } from '../storage/index.ts';
import { MANUFACTURER_CODE_EPC } from './reading-engine.ts';
import type { MeterRegistry } from './registry.ts';
import type { EchonetTransactions } from './transactions.ts';

/**
 * Manufacturer codes whose meters implement FieldRoot's DR EPCs. 0xFFFFFF is the code the
 * simulated meters report (hardware/sim/meter SIMULATED_MAKER_CODE): outside the Consortium's
 * assigned codes, so no real maker is assumed.
 */
export const DEFAULT_DR_MANUFACTURERS: readonly number[] = [0xffffff];

/** An authorisation is good for this long unless the supervisor says otherwise. */
export const DEFAULT_AUTHORISATION_TTL_MS = 30 * 60_000;
export const MAX_AUTHORISATION_TTL_MS = 24 * 60 * 60_000;

export type DrRefusal =
  | 'unknown-authorisation'
  | 'authorisation-mismatch'
  | 'authorisation-used'
  | 'authorisation-expired'
  | 'not-reachable'
  | 'wrong-tool'
  | 'not-supported';

export type DrOutcome = 'confirmed' | 'not-confirmed' | 'rejected-by-meter' | 'no-response';

export interface DrCommand {
  readonly meterId: string;
  readonly action: DrAction;
  /** load-limit: W, 0 = remove the limit. */
  readonly loadLimitW?: number;
  readonly authorisationId: string;
  readonly workerId: string;
  /** The tool the request came from (its certificate); the meter must be served through it. */
  readonly toolId: string;
}

export type DrResult =
  | { readonly kind: 'refused'; readonly reason: DrRefusal }
  | {
      readonly kind: 'done';
      readonly outcome: DrOutcome;
      readonly switchState: 'connected' | 'disconnected' | null;
      readonly loadLimitW: number | null;
      readonly toolId: string;
      readonly atMs: number;
    };

export interface DemandResponseDeps {
  readonly amr: AmrRepository;
  readonly audit: AuditRepository;
  readonly registry: Pick<MeterRegistry, 'current'>;
  readonly transactions: EchonetTransactions;
  readonly clock: () => number;
  /** Random bytes for authorisation ids. */
  readonly random: (length: number) => Uint8Array;
  readonly drManufacturers?: readonly number[];
}

const EMPTY = new Uint8Array(0);

function idFrom(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return Array.from(bytes, (b) => alphabet[b & 63]).join('');
}

function target(action: DrAction, loadLimitW: number | null): EchonetProperty {
  if (action === 'load-limit')
    return {
      epc: FIELDROOT_DR_EPC.DR_LOAD_LIMIT,
      edt: encodeDrLoadLimit(loadLimitW === 0 || loadLimitW === null ? null : loadLimitW),
    };
  return {
    epc: FIELDROOT_DR_EPC.DR_SWITCH_STATE,
    edt: encodeDrSwitchState(action === 'disconnect' ? 'disconnected' : 'connected'),
  };
}

export class DemandResponseService {
  private readonly makers: ReadonlySet<number>;

  constructor(private readonly deps: DemandResponseDeps) {
    this.makers = new Set(deps.drManufacturers ?? DEFAULT_DR_MANUFACTURERS);
  }

  /** A supervisor authorises one action on one meter. The caller checked the role. */
  async authorise(
    supervisorId: string,
    request: { meterId: string; action: DrAction; loadLimitW?: number; validForMs?: number },
  ): Promise<DrAuthorisationRecord> {
    const now = this.deps.clock();
    const ttl = request.validForMs ?? DEFAULT_AUTHORISATION_TTL_MS;
    if (!Number.isInteger(ttl) || ttl <= 0 || ttl > MAX_AUTHORISATION_TTL_MS)
      throw new RangeError(`validForMs must be 1..${MAX_AUTHORISATION_TTL_MS}`);
    const limit = request.action === 'load-limit' ? (request.loadLimitW ?? null) : null;
    if (request.action === 'load-limit' && limit === null)
      throw new RangeError('load-limit needs loadLimitW');
    if (limit !== null) encodeDrLoadLimit(limit === 0 ? null : limit); // range check
    const record: DrAuthorisationRecord = {
      id: `dra-${idFrom(this.deps.random(12))}`,
      meterId: request.meterId,
      action: request.action,
      loadLimitW: limit,
      issuedBy: supervisorId,
      issuedAtMs: now,
      expiresAtMs: now + ttl,
      usedAtMs: null,
      usedBy: null,
    };
    await this.deps.amr.insertDrAuthorisation(record);
    await this.deps.audit.append({
      atMs: now,
      actor: supervisorId,
      action: 'dr.authorise',
      outcome: 'done',
      subject: request.meterId,
      reason: null,
      detail: {
        authorisationId: record.id,
        drAction: record.action,
        loadLimitW: limit,
        expiresAtMs: record.expiresAtMs,
      },
    });
    return record;
  }

  async execute(cmd: DrCommand): Promise<DrResult> {
    const now = this.deps.clock();
    const auth = await this.deps.amr.findDrAuthorisation(cmd.authorisationId);
    const refusal = this.authorisationRefusal(auth, cmd, now);
    if (refusal !== undefined) return this.refuse(cmd, refusal, auth, now);
    const meter = this.deps.registry.current(cmd.meterId);
    if (meter === undefined) return this.refuse(cmd, 'not-reachable', auth, now);
    if (meter.serving.id !== cmd.toolId) return this.refuse(cmd, 'wrong-tool', auth, now);
    const property = target(auth!.action, auth!.loadLimitW);

    const caps = await this.request(meter.address, ESV.Get, [
      { epc: MANUFACTURER_CODE_EPC, edt: EMPTY },
      { epc: 0x9e, edt: EMPTY },
    ]);
    if (caps === null) return this.finish(cmd, auth!, 'no-response', null, null, meter.serving.id);
    if (!this.implements(caps, property.epc)) return this.refuse(cmd, 'not-supported', auth, now);
    if (!(await this.deps.amr.useDrAuthorisation(auth!.id, cmd.toolId, this.deps.clock())))
      return this.refuse(cmd, 'authorisation-used', auth, now);

    const set = await this.request(meter.address, ESV.SetC, [property]);
    if (set === null) return this.finish(cmd, auth!, 'no-response', null, null, meter.serving.id);
    if (set.esv !== ESV.Set_Res)
      return this.finish(cmd, auth!, 'rejected-by-meter', null, null, meter.serving.id);
    const back = await this.request(meter.address, ESV.Get, [{ epc: property.epc, edt: EMPTY }]);
    if (back === null || back.esv !== ESV.Get_Res)
      return this.finish(cmd, auth!, 'no-response', null, null, meter.serving.id);
    try {
      const edt = back.properties[0]!.edt;
      if (property.epc === FIELDROOT_DR_EPC.DR_SWITCH_STATE) {
        const state = decodeDrSwitchState(edt);
        const ok = state === decodeDrSwitchState(property.edt);
        return this.finish(cmd, auth!, ok ? 'confirmed' : 'not-confirmed', state, null, meter.serving.id);
      }
      const limit = decodeDrLoadLimit(edt);
      const ok = limit === decodeDrLoadLimit(property.edt);
      return this.finish(cmd, auth!, ok ? 'confirmed' : 'not-confirmed', null, limit ?? 0, meter.serving.id);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return this.finish(cmd, auth!, 'not-confirmed', null, null, meter.serving.id);
    }
  }

  private implements(caps: EchonetFrame, epc: number): boolean {
    const maker = caps.properties[0]!.edt;
    const map = caps.properties[1]!.edt;
    if (maker.length !== 3 || map.length === 0) return false;
    if (!this.makers.has((maker[0]! << 16) | (maker[1]! << 8) | maker[2]!)) return false;
    try {
      return decodePropertyMap(map).includes(epc);
    } catch (e) {
      if (e instanceof DecodeError) return false;
      throw e;
    }
  }

  private authorisationRefusal(
    auth: DrAuthorisationRecord | undefined,
    cmd: DrCommand,
    now: number,
  ): DrRefusal | undefined {
    if (auth === undefined) return 'unknown-authorisation';
    const limit = cmd.action === 'load-limit' ? (cmd.loadLimitW ?? null) : null;
    if (auth.meterId !== cmd.meterId || auth.action !== cmd.action || auth.loadLimitW !== limit)
      return 'authorisation-mismatch';
    if (auth.usedAtMs !== null) return 'authorisation-used';
    if (now >= auth.expiresAtMs) return 'authorisation-expired';
    return undefined;
  }

  private async request(
    address: string,
    esv: typeof ESV.Get | typeof ESV.SetC,
    properties: EchonetProperty[],
  ): Promise<EchonetFrame | null> {
    const r = await this.deps.transactions.request(this.deps.clock(), {
      address,
      deoj: EOJ.SMART_METER,
      esv,
      properties,
    });
    return r.kind === 'reply' ? r.frame : null;
  }

  private async refuse(
    cmd: DrCommand,
    reason: DrRefusal,
    auth: DrAuthorisationRecord | undefined,
    now: number,
  ): Promise<DrResult> {
    await this.deps.audit.append({
      atMs: now,
      actor: cmd.toolId,
      action: `dr.${cmd.action}`,
      outcome: 'denied',
      subject: cmd.meterId,
      reason,
      detail: {
        workerId: cmd.workerId,
        toolId: cmd.toolId,
        authorisationId: cmd.authorisationId,
        authorisedBy: auth?.issuedBy ?? null,
      },
    });
    return { kind: 'refused', reason };
  }

  private async finish(
    cmd: DrCommand,
    auth: DrAuthorisationRecord,
    outcome: DrOutcome,
    switchState: 'connected' | 'disconnected' | null,
    loadLimitW: number | null,
    toolId: string,
  ): Promise<DrResult> {
    const atMs = this.deps.clock();
    await this.deps.audit.append({
      atMs,
      actor: cmd.toolId,
      action: `dr.${cmd.action}`,
      outcome: 'done',
      subject: cmd.meterId,
      reason: outcome,
      detail: {
        workerId: cmd.workerId,
        toolId,
        authorisationId: auth.id,
        authorisedBy: auth.issuedBy,
        switchState,
        loadLimitW,
      },
    });
    return { kind: 'done', outcome, switchState, loadLimitW, toolId, atMs };
  }
}
