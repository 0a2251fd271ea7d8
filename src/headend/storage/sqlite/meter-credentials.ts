import type { SqliteDatabase } from '../database.ts';
import type { CredentialStatus, MeterCredentialRecord, MeterCredentialRepository } from '../repositories.ts';
import { EUI64_TEXT } from './meters.ts';
import { settle } from './settle.ts';

interface Row {
  meter_id: string;
  eui64: string;
  id_p: string;
  psk_sealed: Uint8Array;
  status: string;
  created_at_ms: number;
  updated_at_ms: number;
  revoked_at_ms: number | null;
}

function toRecord(row: Row | undefined): MeterCredentialRecord | undefined {
  if (row === undefined) return undefined;
  return {
    meterId: row.meter_id,
    eui64: row.eui64,
    idP: row.id_p,
    sealedPsk: new Uint8Array(row.psk_sealed),
    status: row.status as CredentialStatus,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
    revokedAtMs: row.revoked_at_ms,
  };
}

export function createSqliteMeterCredentialRepository(db: SqliteDatabase): MeterCredentialRepository {
  const byId = db.prepare<[string], Row>('SELECT * FROM meter_credentials WHERE meter_id = ?');
  const byIdP = db.prepare<[string], Row>('SELECT * FROM meter_credentials WHERE id_p = ?');
  const byEui = db.prepare<[string], Row>('SELECT * FROM meter_credentials WHERE eui64 = ?');
  const active = db.prepare<[], Row>(
    "SELECT * FROM meter_credentials WHERE status = 'active' ORDER BY meter_id",
  );
  const counts = db.prepare<[], { status: string; n: number }>(
    'SELECT status, COUNT(*) AS n FROM meter_credentials GROUP BY status',
  );
  const insert = db.prepare(
    `INSERT INTO meter_credentials (meter_id, eui64, id_p, psk_sealed, status, created_at_ms, updated_at_ms, revoked_at_ms)
     VALUES (@meterId, @eui64, @idP, @sealedPsk, @status, @createdAtMs, @updatedAtMs, @revokedAtMs)`,
  );
  // Only an active credential of the same meter, EUI-64 and ID_P is replaced.
  const replace = db.prepare(
    `UPDATE meter_credentials SET psk_sealed = @sealedPsk, updated_at_ms = @updatedAtMs
     WHERE meter_id = @meterId AND eui64 = @eui64 AND id_p = @idP AND status = 'active'`,
  );
  const revoke = db.prepare(
    `UPDATE meter_credentials SET status = 'revoked', revoked_at_ms = ?, updated_at_ms = ?
     WHERE meter_id = ? AND status = 'active'`,
  );
  const importBatch = db.transaction((records: readonly MeterCredentialRecord[]) => {
    for (const r of records) {
      if (!EUI64_TEXT.test(r.eui64))
        throw new RangeError(`EUI-64 must be 16 lower-case hex digits: ${r.eui64}`);
      const params = { ...r, sealedPsk: Buffer.from(r.sealedPsk) };
      if (byId.get(r.meterId) === undefined) insert.run(params);
      else if (replace.run(params).changes !== 1)
        throw new Error(`meter ${r.meterId} is revoked or registered with another EUI-64 or ID_P`);
    }
  });
  return {
    importBatch: (records) => settle(() => importBatch.immediate(records)),
    findById: (id) => settle(() => toRecord(byId.get(id))),
    findByIdP: (idP) => settle(() => toRecord(byIdP.get(idP))),
    findByEui64: (eui) => settle(() => toRecord(byEui.get(eui.toLowerCase()))),
    listActive: () => settle(() => active.all().map((r) => toRecord(r)!)),
    countByStatus: () =>
      settle(() => {
        const out: Record<CredentialStatus, number> = { active: 0, revoked: 0 };
        for (const { status, n } of counts.all()) out[status as CredentialStatus] = n;
        return out;
      }),
    revoke: (id, atMs) => settle(() => revoke.run(atMs, atMs, id).changes === 1),
  };
}
