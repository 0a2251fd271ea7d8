import type { SqliteDatabase } from '../database.ts';
import type { CredentialStatus, ToolRecord, ToolRepository } from '../repositories.ts';
import { settle } from './settle.ts';

interface Row {
  device_id: string;
  status: string;
  created_at_ms: number;
  revoked_at_ms: number | null;
}

function toRecord(row: Row | undefined): ToolRecord | undefined {
  if (row === undefined) return undefined;
  return {
    deviceId: row.device_id,
    status: row.status as CredentialStatus,
    createdAtMs: row.created_at_ms,
    revokedAtMs: row.revoked_at_ms,
  };
}

export function createSqliteToolRepository(db: SqliteDatabase): ToolRepository {
  const insert = db.prepare(
    `INSERT INTO tools (device_id, status, created_at_ms, revoked_at_ms)
     VALUES (@deviceId, @status, @createdAtMs, @revokedAtMs) ON CONFLICT (device_id) DO NOTHING`,
  );
  const byId = db.prepare<[string], Row>('SELECT * FROM tools WHERE device_id = ?');
  const revoke = db.prepare(
    "UPDATE tools SET status = 'revoked', revoked_at_ms = ? WHERE device_id = ? AND status = 'active'",
  );
  return {
    insert: (t) => settle(() => insert.run(t).changes === 1),
    findById: (id) => settle(() => toRecord(byId.get(id))),
    revoke: (id, atMs) => settle(() => revoke.run(atMs, id).changes === 1),
  };
}
