/**
 * The meter credential registry: EAP-PSK keys (RFC 4764) of the meters the key server may
 * authenticate, sealed at rest under the master key (sealed-box.ts).
 *
 * ID_P convention: a meter's EAP-PSK peer identity is its EUI-64 as 16 lower-case hex ASCII
 * characters (e.g. "0012a1b2c3d4e5f6"). RFC 4764 §5.2 leaves ID_P's form to the deployment (an
 * NAI, RFC 4282, of at most 966 octets); the EUI-64 is what the meter and the head-end both know
 * without configuration. The simulated meters (hardware/sim) use the same rule.
 *
 * There is no way to read a PSK back in clear from here: `lookupPsk` serves the EAP-PSK server
 * only, from the in-memory table of sealed boxes, opening one box per authentication.
 */
import { timingSafeEqual } from 'node:crypto';
import type { SecretBytes } from '../../log/index.ts';
import type {
  AuditRepository,
  MeterCredentialRecord,
  MeterCredentialRepository,
} from '../storage/repositories.ts';
import type { Clock, RandomSource } from '../access/clock.ts';
import type { ImportProblem, MeterCredentialInput } from './meter-import.ts';
import { MeterImportError } from './meter-import.ts';
import { openSecret, sealSecret } from './sealed-box.ts';

/** The ID_P of a meter (see the file comment). */
export function meterIdP(eui64: string): string {
  return eui64.toLowerCase();
}

function pskPurpose(meterId: string): string {
  return `meter-psk:${meterId}`;
}

export interface ImportCounts {
  readonly added: number;
  /** Existing active meters whose PSK changed. */
  readonly replaced: number;
  /** Existing active meters imported again with the same EUI-64 and PSK. */
  readonly unchanged: number;
}

export interface ActiveMeter {
  readonly meterId: string;
  readonly eui64: string;
  readonly idP: string;
}

export interface MeterCredentialsDeps {
  readonly repository: MeterCredentialRepository;
  readonly audit: AuditRepository;
  readonly master: SecretBytes;
  readonly clock: Clock;
  readonly random: RandomSource;
}

const ID_P_TEXT = /^[\x21-\x7e]{1,966}$/; // RFC 4764 §5.2 / RFC 4282: printable, at most 966 octets

export class MeterCredentials {
  /** Active meters by ID_P, with their sealed PSKs (never clear ones). */
  private byIdP = new Map<string, { meter: ActiveMeter; sealedPsk: Uint8Array }>();

  constructor(private readonly deps: MeterCredentialsDeps) {}

  /** Re-reads the active meters (after an import or a revocation by another process). */
  async refresh(): Promise<void> {
    const rows = await this.deps.repository.listActive();
    this.byIdP = new Map(
      rows.map((r) => [
        r.idP,
        { meter: { meterId: r.meterId, eui64: r.eui64, idP: r.idP }, sealedPsk: r.sealedPsk },
      ]),
    );
  }

  get activeCount(): number {
    return this.byIdP.size;
  }

  /** The active meter with this ID_P (as EAP-PSK received it), if any. */
  activeMeter(idP: Uint8Array | string): ActiveMeter | undefined {
    const text = typeof idP === 'string' ? idP : decodeIdP(idP);
    return text === undefined ? undefined : this.byIdP.get(text)?.meter;
  }

  /**
   * For the EAP-PSK server (psk-server.ts `lookupPsk`): the PSK of an active meter, opened from
   * its box now; undefined for an unknown or revoked one. The caller must wipe the bytes.
   */
  lookupPsk(idP: Uint8Array): Uint8Array | undefined {
    const text = decodeIdP(idP);
    const entry = text === undefined ? undefined : this.byIdP.get(text);
    if (entry === undefined) return undefined;
    return openSecret(this.deps.master, pskPurpose(entry.meter.meterId), entry.sealedPsk);
  }

  /**
   * Imports parsed entries all or nothing: new meters are added, active ones get the new PSK.
   * Refused (MeterImportError, nothing written) when an entry names a revoked meter, moves a
   * meter to another EUI-64, or takes an EUI-64 registered to another meter.
   */
  async import(entries: readonly MeterCredentialInput[], actor: string): Promise<ImportCounts> {
    const nowMs = this.deps.clock();
    const problems: ImportProblem[] = [];
    const records: MeterCredentialRecord[] = [];
    let added = 0;
    let replaced = 0;
    let unchanged = 0;
    for (const e of entries) {
      const existing = await this.deps.repository.findById(e.meterId);
      const owner = await this.deps.repository.findByEui64(e.eui64);
      if (owner !== undefined && owner.meterId !== e.meterId) {
        problems.push({
          where: e.where,
          message: `EUI-64 ${e.eui64} is registered to meter ${owner.meterId}`,
        });
        continue;
      }
      if (existing?.status === 'revoked') {
        problems.push({
          where: e.where,
          message: `meter ${e.meterId} is revoked; import does not re-activate it`,
        });
        continue;
      }
      if (existing !== undefined && existing.eui64 !== e.eui64) {
        problems.push({
          where: e.where,
          message: `meter ${e.meterId} is registered with EUI-64 ${existing.eui64}`,
        });
        continue;
      }
      if (existing !== undefined && this.samePsk(existing, e.psk)) {
        unchanged++;
        continue;
      }
      records.push({
        meterId: e.meterId,
        eui64: e.eui64,
        idP: meterIdP(e.eui64),
        sealedPsk: sealSecret(this.deps.master, pskPurpose(e.meterId), e.psk.expose(), this.deps.random),
        status: 'active',
        createdAtMs: existing?.createdAtMs ?? nowMs,
        updatedAtMs: nowMs,
        revokedAtMs: null,
      });
      if (existing === undefined) added++;
      else replaced++;
    }
    if (problems.length > 0) throw new MeterImportError(problems);
    await this.deps.repository.importBatch(records);
    const counts = { added, replaced, unchanged };
    await this.deps.audit.append({
      atMs: nowMs,
      actor,
      action: 'meter-credentials.import',
      outcome: 'done',
      subject: null,
      reason: null,
      detail: { ...counts },
    });
    await this.refresh();
    return counts;
  }

  /** Revokes a meter: it can no longer authenticate. True when this call revoked it. */
  async revoke(meterId: string, actor: string, reason: string): Promise<boolean> {
    const nowMs = this.deps.clock();
    const done = await this.deps.repository.revoke(meterId, nowMs);
    await this.deps.audit.append({
      atMs: nowMs,
      actor,
      action: 'meter.revoke',
      outcome: done ? 'done' : 'denied',
      subject: meterId,
      reason: done ? reason : 'not-found-or-already-revoked',
    });
    for (const [idP, entry] of this.byIdP) if (entry.meter.meterId === meterId) this.byIdP.delete(idP);
    return done;
  }

  private samePsk(existing: MeterCredentialRecord, psk: SecretBytes): boolean {
    const old = openSecret(this.deps.master, pskPurpose(existing.meterId), existing.sealedPsk);
    try {
      const fresh = psk.expose();
      return old.length === fresh.length && timingSafeEqual(old, fresh);
    } finally {
      old.fill(0);
    }
  }
}

function decodeIdP(idP: Uint8Array): string | undefined {
  let text = '';
  for (const b of idP) text += String.fromCharCode(b);
  return ID_P_TEXT.test(text) ? text : undefined;
}
