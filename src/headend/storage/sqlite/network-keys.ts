import type { SqliteDatabase } from '../database.ts';
import type { NetworkKeyRecord, NetworkKeyRepository, NetworkKeyState } from '../repositories.ts';
import { settle } from './settle.ts';

interface Row {
  id: string;
  key_index: number;
  state: string;
  key_sealed: Uint8Array | null;
  lifetime_ms: number;
  reason: string;
  created_at_ms: number;
  activate_at_ms: number;
  activated_at_ms: number | null;
  retire_at_ms: number | null;
  retired_at_ms: number | null;
  replaced_grace_ms: number | null;
}

function toRecord(row: Row): NetworkKeyRecord {
  return {
    id: row.id,
    keyIndex: row.key_index,
    state: row.state as NetworkKeyState,
    sealedKey: row.key_sealed === null ? null : new Uint8Array(row.key_sealed),
    lifetimeMs: row.lifetime_ms,
    reason: row.reason,
    createdAtMs: row.created_at_ms,
    activateAtMs: row.activate_at_ms,
    activatedAtMs: row.activated_at_ms,
    retireAtMs: row.retire_at_ms,
    retiredAtMs: row.retired_at_ms,
    replacedGraceMs: row.replaced_grace_ms,
  };
}

export function createSqliteNetworkKeyRepository(db: SqliteDatabase): NetworkKeyRepository {
  const insert = db.prepare(
    `INSERT INTO network_keys (id, key_index, state, key_sealed, lifetime_ms, reason, created_at_ms,
       activate_at_ms, activated_at_ms, retire_at_ms, retired_at_ms, replaced_grace_ms)
     VALUES (@id, @keyIndex, @state, @sealedKey, @lifetimeMs, @reason, @createdAtMs, @activateAtMs,
       @activatedAtMs, @retireAtMs, @retiredAtMs, @replacedGraceMs)`,
  );
  const list = db.prepare<[], Row>('SELECT * FROM network_keys ORDER BY created_at_ms, rowid');
  const retire = db.prepare(
    `UPDATE network_keys SET state = 'retired', key_sealed = NULL, retired_at_ms = ?
     WHERE id = ? AND state = 'previous'`,
  );
  const discardNext = db.prepare(
    `UPDATE network_keys SET state = 'retired', key_sealed = NULL, retired_at_ms = ?
     WHERE id = ? AND state = 'next'`,
  );
  const retirePrevious = db.prepare(
    `UPDATE network_keys SET state = 'retired', key_sealed = NULL, retired_at_ms = ?
     WHERE state = 'previous'`,
  );
  const demoteCurrent = db.prepare(
    "UPDATE network_keys SET state = 'previous', retire_at_ms = ? WHERE state = 'current'",
  );
  const promoteNext = db.prepare(
    "UPDATE network_keys SET state = 'current', activated_at_ms = ? WHERE id = ? AND state = 'next'",
  );
  const isNext = db.prepare<[string], { n: number }>(
    "SELECT COUNT(*) AS n FROM network_keys WHERE id = ? AND state = 'next'",
  );
  const activate = db.transaction((nextId: string, atMs: number, retireAtMs: number): boolean => {
    if (isNext.get(nextId)?.n !== 1) return false;
    retirePrevious.run(atMs);
    demoteCurrent.run(retireAtMs);
    return promoteNext.run(atMs, nextId).changes === 1;
  });
  return {
    insert: (k) =>
      settle(
        () => void insert.run({ ...k, sealedKey: k.sealedKey === null ? null : Buffer.from(k.sealedKey) }),
      ),
    list: () => settle(() => list.all().map(toRecord)),
    activate: (id, atMs, retireAtMs) => settle(() => activate.immediate(id, atMs, retireAtMs)),
    retire: (id, atMs) => settle(() => retire.run(atMs, id).changes === 1),
    discardNext: (id, atMs) => settle(() => discardNext.run(atMs, id).changes === 1),
  };
}
