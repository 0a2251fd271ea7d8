import type { SqliteDatabase } from '../database.ts';
import type { AccountRecord, AccountRepository, Role } from '../repositories.ts';
import { settle } from './settle.ts';

interface Row {
  id: string;
  username: string;
  role: string;
  password_hash: string;
  disabled: number;
  created_at_ms: number;
}

function toRecord(row: Row | undefined): AccountRecord | undefined {
  if (row === undefined) return undefined;
  return {
    id: row.id,
    username: row.username,
    role: row.role as Role,
    passwordHash: row.password_hash,
    disabled: row.disabled === 1,
    createdAtMs: row.created_at_ms,
  };
}

export function createSqliteAccountRepository(db: SqliteDatabase): AccountRepository {
  const insert = db.prepare(
    `INSERT INTO accounts (id, username, role, password_hash, disabled, created_at_ms)
     VALUES (@id, @username, @role, @passwordHash, @disabled, @createdAtMs)`,
  );
  const byId = db.prepare<[string], Row>('SELECT * FROM accounts WHERE id = ?');
  const byName = db.prepare<[string], Row>('SELECT * FROM accounts WHERE username = ?');
  const setHash = db.prepare('UPDATE accounts SET password_hash = ? WHERE id = ?');
  const setDisabled = db.prepare('UPDATE accounts SET disabled = ? WHERE id = ?');
  return {
    insert: (a) => settle(() => void insert.run({ ...a, disabled: a.disabled ? 1 : 0 })),
    findById: (id) => settle(() => toRecord(byId.get(id))),
    findByUsername: (username) => settle(() => toRecord(byName.get(username))),
    setPasswordHash: (id, hash) => settle(() => void setHash.run(hash, id)),
    setDisabled: (id, disabled) => settle(() => void setDisabled.run(disabled ? 1 : 0, id)),
  };
}
