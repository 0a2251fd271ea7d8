import type { SqliteDatabase } from '../database.ts';
import type { GrantRecord, GrantRepository, GrantState } from '../repositories.ts';
import { settle } from './settle.ts';

interface Row {
  id: string;
  work_order_id: string;
  worker_id: string;
  tool_id: string;
  state: string;
  requested_at_ms: number;
  approved_by: string | null;
  approved_at_ms: number | null;
  verification_key_hash: string | null;
  verification_expires_at_ms: number | null;
  verification_used_at_ms: number | null;
  access_key_hash: string | null;
  access_expires_at_ms: number | null;
  revoked_by: string | null;
  revoked_at_ms: number | null;
}

function toRecord(row: Row | undefined): GrantRecord | undefined {
  if (row === undefined) return undefined;
  return {
    id: row.id,
    workOrderId: row.work_order_id,
    workerId: row.worker_id,
    toolId: row.tool_id,
    state: row.state as GrantState,
    requestedAtMs: row.requested_at_ms,
    approvedBy: row.approved_by,
    approvedAtMs: row.approved_at_ms,
    verificationKeyHash: row.verification_key_hash,
    verificationExpiresAtMs: row.verification_expires_at_ms,
    verificationUsedAtMs: row.verification_used_at_ms,
    accessKeyHash: row.access_key_hash,
    accessExpiresAtMs: row.access_expires_at_ms,
    revokedBy: row.revoked_by,
    revokedAtMs: row.revoked_at_ms,
  };
}

export function createSqliteGrantRepository(db: SqliteDatabase): GrantRepository {
  const insert = db.prepare(
    `INSERT INTO access_grants (id, work_order_id, worker_id, tool_id, state, requested_at_ms, approved_by,
       approved_at_ms, verification_key_hash, verification_expires_at_ms, verification_used_at_ms,
       access_key_hash, access_expires_at_ms, revoked_by, revoked_at_ms)
     VALUES (@id, @workOrderId, @workerId, @toolId, @state, @requestedAtMs, @approvedBy, @approvedAtMs,
       @verificationKeyHash, @verificationExpiresAtMs, @verificationUsedAtMs, @accessKeyHash,
       @accessExpiresAtMs, @revokedBy, @revokedAtMs)`,
  );
  const byId = db.prepare<[string], Row>('SELECT * FROM access_grants WHERE id = ?');
  const byVerification = db.prepare<[string], Row>(
    'SELECT * FROM access_grants WHERE verification_key_hash = ?',
  );
  const byAccess = db.prepare<[string], Row>('SELECT * FROM access_grants WHERE access_key_hash = ?');
  const page = db.prepare<[string, number], Row>(
    'SELECT * FROM access_grants WHERE id > ? ORDER BY id LIMIT ?',
  );
  const approve = db.prepare(
    `UPDATE access_grants SET state = 'approved', approved_by = @approvedBy, approved_at_ms = @atMs,
       verification_key_hash = @verificationKeyHash, verification_expires_at_ms = @verificationExpiresAtMs
     WHERE id = @id AND state = 'requested'`,
  );
  // One statement: the key is consumed and the access key recorded together, or neither.
  const exchange = db.prepare<Record<string, unknown>, Row>(
    `UPDATE access_grants SET state = 'issued', verification_used_at_ms = @atMs,
       access_key_hash = @accessKeyHash, access_expires_at_ms = @accessExpiresAtMs
     WHERE verification_key_hash = @verificationKeyHash AND state = 'approved'
       AND verification_used_at_ms IS NULL AND verification_expires_at_ms > @atMs
     RETURNING *`,
  );
  const revoke = db.prepare(
    `UPDATE access_grants SET state = 'revoked', revoked_by = ?, revoked_at_ms = ?
     WHERE id = ? AND state <> 'revoked'`,
  );
  return {
    insert: (g) => settle(() => void insert.run(g)),
    findById: (id) => settle(() => toRecord(byId.get(id))),
    findByVerificationKeyHash: (h) => settle(() => toRecord(byVerification.get(h))),
    findByAccessKeyHash: (h) => settle(() => toRecord(byAccess.get(h))),
    list: ({ limit, afterId }) =>
      settle(() => page.all(afterId ?? '', limit).flatMap((row) => toRecord(row) ?? [])),
    approve: (id, a) => settle(() => approve.run({ id, ...a }).changes === 1),
    exchange: (e) => settle(() => toRecord(exchange.get({ ...e }))),
    revoke: (id, by, at) => settle(() => revoke.run(by, at, id).changes === 1),
  };
}
