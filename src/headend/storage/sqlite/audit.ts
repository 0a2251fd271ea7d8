import type { SqliteDatabase } from '../database.ts';
import type { AuditEntry, AuditOutcome, AuditRepository } from '../repositories.ts';
import { settle } from './settle.ts';

interface Row {
  seq: number;
  at_ms: number;
  actor: string | null;
  action: string;
  outcome: string;
  subject: string | null;
  reason: string | null;
  detail: string | null;
}

const DEFAULT_LIMIT = 1_000;

function toEntry(row: Row): AuditEntry {
  const base = {
    seq: row.seq,
    atMs: row.at_ms,
    actor: row.actor,
    action: row.action,
    outcome: row.outcome as AuditOutcome,
    subject: row.subject,
    reason: row.reason,
  };
  if (row.detail === null) return base;
  return { ...base, detail: JSON.parse(row.detail) as AuditEntry['detail'] };
}

export function createSqliteAuditRepository(db: SqliteDatabase): AuditRepository {
  const append = db.prepare(
    `INSERT INTO audit_log (at_ms, actor, action, outcome, subject, reason, detail)
     VALUES (@atMs, @actor, @action, @outcome, @subject, @reason, @detail)`,
  );
  const list = db.prepare<[number, number], Row>(
    'SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?',
  );
  return {
    append: (e) =>
      settle(() => {
        const detail = e.detail === undefined ? null : JSON.stringify(e.detail);
        return Number(append.run({ ...e, detail }).lastInsertRowid);
      }),
    list: (options) =>
      settle(() => list.all(options?.afterSeq ?? 0, options?.limit ?? DEFAULT_LIMIT).map(toEntry)),
  };
}
