import type { SqliteDatabase } from '../database.ts';
import type { AmrRepository, DrAction, DrAuthorisationRecord, ReadExceptionRow } from '../amr.ts';
import type { AuditEntry, AuditOutcome, EnergyRegister, ReadExceptionReason } from '../repositories.ts';
import { settle } from './settle.ts';

interface AuthorisationRow {
  id: string;
  meter_id: string;
  action: string;
  load_limit_w: number | null;
  issued_by: string;
  issued_at_ms: number;
  expires_at_ms: number;
  used_at_ms: number | null;
  used_by: string | null;
}

function toAuthorisation(row: AuthorisationRow): DrAuthorisationRecord {
  return {
    id: row.id,
    meterId: row.meter_id,
    action: row.action as DrAction,
    loadLimitW: row.load_limit_w,
    issuedBy: row.issued_by,
    issuedAtMs: row.issued_at_ms,
    expiresAtMs: row.expires_at_ms,
    usedAtMs: row.used_at_ms,
    usedBy: row.used_by,
  };
}

export function createSqliteAmrRepository(db: SqliteDatabase): AmrRepository {
  const insert = db.prepare(
    `INSERT INTO dr_authorisations
       (id, meter_id, action, load_limit_w, issued_by, issued_at_ms, expires_at_ms, used_at_ms, used_by)
     VALUES (@id, @meterId, @action, @loadLimitW, @issuedBy, @issuedAtMs, @expiresAtMs, @usedAtMs, @usedBy)`,
  );
  const byId = db.prepare<[string], AuthorisationRow>('SELECT * FROM dr_authorisations WHERE id = ?');
  const use = db.prepare(
    `UPDATE dr_authorisations SET used_at_ms = @atMs, used_by = @usedBy
     WHERE id = @id AND used_at_ms IS NULL AND expires_at_ms > @atMs`,
  );
  const list = db.prepare<[number], AuthorisationRow>(
    'SELECT * FROM dr_authorisations ORDER BY issued_at_ms DESC, id LIMIT ?',
  );
  const usable = db.prepare<[{ meterId: string; atMs: number }], AuthorisationRow>(
    `SELECT * FROM dr_authorisations
     WHERE meter_id = @meterId AND used_at_ms IS NULL AND expires_at_ms > @atMs
     ORDER BY issued_at_ms DESC, id`,
  );
  const latest = db.prepare<[string], { id: number; read_at_ms: number }>(
    'SELECT id, read_at_ms FROM readings WHERE meter_id = ? ORDER BY read_at_ms DESC, id DESC LIMIT 1',
  );
  const registersOf = db.prepare<
    [number],
    { register: string; raw: number; coefficient: number; unit_exponent: number; digits: number }
  >('SELECT * FROM reading_registers WHERE reading_id = ? ORDER BY register');
  const exceptions = db.prepare<
    [number],
    { id: number; meter_id: string; at_ms: number; reason: string; detail: string | null }
  >('SELECT id, meter_id, at_ms, reason, detail FROM read_exceptions ORDER BY at_ms DESC, id DESC LIMIT ?');
  const audit = db.prepare<
    [{ prefix: string; limit: number }],
    {
      seq: number;
      at_ms: number;
      actor: string | null;
      action: string;
      outcome: string;
      subject: string | null;
      reason: string | null;
      detail: string | null;
    }
  >(
    // The prefix is matched with substr, not LIKE, so '%' or '_' in it mean nothing special.
    'SELECT * FROM audit_log WHERE substr(action, 1, length(@prefix)) = @prefix ORDER BY seq DESC LIMIT @limit',
  );
  return {
    recentAudit: (limit, actionPrefix = '') =>
      settle(() =>
        audit.all({ prefix: actionPrefix, limit }).map((r): AuditEntry => {
          const base = {
            seq: r.seq,
            atMs: r.at_ms,
            actor: r.actor,
            action: r.action,
            outcome: r.outcome as AuditOutcome,
            subject: r.subject,
            reason: r.reason,
          };
          return r.detail === null ? base : { ...base, detail: JSON.parse(r.detail) as AuditEntry['detail'] };
        }),
      ),
    insertDrAuthorisation: (r) => settle(() => void insert.run({ ...r })),
    findDrAuthorisation: (id) =>
      settle(() => {
        const row = byId.get(id);
        return row === undefined ? undefined : toAuthorisation(row);
      }),
    useDrAuthorisation: (id, usedBy, atMs) => settle(() => use.run({ id, usedBy, atMs }).changes === 1),
    listDrAuthorisations: (limit) => settle(() => list.all(limit).map(toAuthorisation)),
    listUsableDrAuthorisations: (meterId, atMs) =>
      settle(() => usable.all({ meterId, atMs }).map(toAuthorisation)),
    latestReading: (meterId) =>
      settle(() => {
        const row = latest.get(meterId);
        if (row === undefined) return undefined;
        return {
          readAtMs: row.read_at_ms,
          registers: registersOf.all(row.id).map((r) => ({
            register: r.register as EnergyRegister,
            raw: r.raw,
            coefficient: r.coefficient,
            unitExponent: r.unit_exponent,
            digits: r.digits,
          })),
        };
      }),
    recentExceptions: (limit) =>
      settle(() =>
        exceptions.all(limit).map(
          (r): ReadExceptionRow => ({
            id: r.id,
            meterId: r.meter_id,
            atMs: r.at_ms,
            reason: r.reason as ReadExceptionReason,
            detail: r.detail,
          }),
        ),
      ),
  };
}
