import type { SqliteDatabase } from '../database.ts';
import type { MeterRecord, MeterRepository } from '../repositories.ts';
import { settle } from './settle.ts';

interface Row {
  meter_id: string;
  eui64: string;
  site: string;
  latitude: number;
  longitude: number;
  serving_via: string;
  serving_id: string;
  serving_since_ms: number;
}

/** IEEE EUI-64 in the registry's canonical text: 16 lower-case hex digits, no separators. */
export const EUI64_TEXT = /^[0-9a-f]{16}$/;

function toRecord(row: Row | undefined): MeterRecord | undefined {
  if (row === undefined) return undefined;
  return {
    meterId: row.meter_id,
    eui64: row.eui64,
    site: row.site,
    latitude: row.latitude,
    longitude: row.longitude,
    serving: {
      via: row.serving_via as 'gateway' | 'tool',
      id: row.serving_id,
      sinceMs: row.serving_since_ms,
    },
  };
}

export function createSqliteMeterRepository(db: SqliteDatabase): MeterRepository {
  const upsert = db.prepare(
    `INSERT INTO meters (meter_id, eui64, site, latitude, longitude, serving_via, serving_id, serving_since_ms)
     VALUES (@meterId, @eui64, @site, @latitude, @longitude, @via, @servingId, @sinceMs)
     ON CONFLICT (meter_id) DO UPDATE SET eui64 = excluded.eui64, site = excluded.site,
       latitude = excluded.latitude, longitude = excluded.longitude, serving_via = excluded.serving_via,
       serving_id = excluded.serving_id, serving_since_ms = excluded.serving_since_ms`,
  );
  const byId = db.prepare<[string], Row>('SELECT * FROM meters WHERE meter_id = ?');
  const byEui = db.prepare<[string], Row>('SELECT * FROM meters WHERE eui64 = ?');
  const bySite = db.prepare<[string], Row>('SELECT * FROM meters WHERE site = ? ORDER BY meter_id');
  const setServing = db.prepare(
    'UPDATE meters SET serving_via = ?, serving_id = ?, serving_since_ms = ? WHERE meter_id = ?',
  );
  return {
    upsert: (m) =>
      settle(() => {
        if (!EUI64_TEXT.test(m.eui64))
          throw new RangeError(`EUI-64 must be 16 lower-case hex digits: ${m.eui64}`);
        upsert.run({
          meterId: m.meterId,
          eui64: m.eui64,
          site: m.site,
          latitude: m.latitude,
          longitude: m.longitude,
          via: m.serving.via,
          servingId: m.serving.id,
          sinceMs: m.serving.sinceMs,
        });
      }),
    findById: (id) => settle(() => toRecord(byId.get(id))),
    findByEui64: (eui) => settle(() => toRecord(byEui.get(eui.toLowerCase()))),
    listBySite: (site) => settle(() => bySite.all(site).map((r) => toRecord(r)!)),
    setServingPath: (id, s) => settle(() => setServing.run(s.via, s.id, s.sinceMs, id).changes === 1),
  };
}
