import type { SqliteDatabase } from '../database.ts';
import type { SessionRecord, SessionRepository } from '../repositories.ts';
import { settle } from './settle.ts';

interface Row {
  token_hash: string;
  account_id: string;
  source: string;
  created_at_ms: number;
  last_seen_ms: number;
  ended_at_ms: number | null;
}

function toRecord(row: Row | undefined): SessionRecord | undefined {
  if (row === undefined) return undefined;
  return {
    tokenHash: row.token_hash,
    accountId: row.account_id,
    source: row.source,
    createdAtMs: row.created_at_ms,
    lastSeenMs: row.last_seen_ms,
    endedAtMs: row.ended_at_ms,
  };
}

export function createSqliteSessionRepository(db: SqliteDatabase): SessionRepository {
  const insert = db.prepare(
    `INSERT INTO sessions (token_hash, account_id, source, created_at_ms, last_seen_ms, ended_at_ms)
     VALUES (@tokenHash, @accountId, @source, @createdAtMs, @lastSeenMs, @endedAtMs)`,
  );
  const find = db.prepare<[string], Row>('SELECT * FROM sessions WHERE token_hash = ?');
  const touch = db.prepare('UPDATE sessions SET last_seen_ms = MAX(last_seen_ms, ?) WHERE token_hash = ?');
  const end = db.prepare('UPDATE sessions SET ended_at_ms = ? WHERE token_hash = ? AND ended_at_ms IS NULL');
  return {
    insert: (s) => settle(() => void insert.run(s)),
    find: (hash) => settle(() => toRecord(find.get(hash))),
    touch: (hash, at) => settle(() => void touch.run(at, hash)),
    end: (hash, at) => settle(() => end.run(at, hash).changes === 1),
  };
}
