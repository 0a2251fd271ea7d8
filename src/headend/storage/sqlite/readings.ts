import type { SqliteDatabase } from '../database.ts';
import type {
  DayHistory,
  EnergyRegister,
  MeterReading,
  ReadException,
  ReadExceptionReason,
  ReadingBatch,
  ReadingRepository,
  RegisterValue,
} from '../repositories.ts';
import { settle } from './settle.ts';

/** Half-hourly slots per day (ECHONET 0288 E2/E4: 48 values from 00:00). */
const SLOTS_PER_DAY = 48;

interface ReadingRow {
  id: number;
  meter_id: string;
  read_at_ms: number;
  instantaneous_power_w: number | null;
  current_r_deciampere: number | null;
  current_t_deciampere: number | null;
}
interface RegisterRow {
  register: string;
  raw: number;
  coefficient: number;
  unit_exponent: number;
  digits: number;
}
interface HistoryRow {
  register: string;
  day: string;
  slots: string;
}
interface ExceptionRow {
  meter_id: string;
  at_ms: number;
  reason: string;
  detail: string | null;
}

function checkReading(r: MeterReading): void {
  for (const h of r.history) {
    if (h.slots.length !== SLOTS_PER_DAY)
      throw new RangeError(`history of ${r.meterId} on ${h.day} has ${String(h.slots.length)} slots, not 48`);
    for (const v of h.slots)
      if (v !== null && !Number.isSafeInteger(v))
        throw new RangeError(`history of ${r.meterId} on ${h.day} holds a non-integer value`);
  }
  for (const reg of r.registers)
    if (!Number.isSafeInteger(reg.raw))
      throw new RangeError(`register ${reg.register} of ${r.meterId} is not an integer`);
}

export function createSqliteReadingRepository(db: SqliteDatabase): ReadingRepository {
  const batchExists = db
    .prepare<[string], number>('SELECT 1 FROM reading_batches WHERE batch_id = ?')
    .pluck();
  const insertBatch = db.prepare(
    'INSERT INTO reading_batches (batch_id, received_at_ms, row_count) VALUES (?, ?, ?)',
  );
  const insertReading = db.prepare(
    `INSERT INTO readings (batch_id, meter_id, read_at_ms, instantaneous_power_w, current_r_deciampere, current_t_deciampere)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const insertRegister = db.prepare(
    `INSERT INTO reading_registers (reading_id, register, raw, coefficient, unit_exponent, digits)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const insertHistory = db.prepare(
    'INSERT INTO reading_history (reading_id, register, day, slots) VALUES (?, ?, ?, ?)',
  );
  const insertException = db.prepare(
    'INSERT INTO read_exceptions (batch_id, meter_id, at_ms, reason, detail) VALUES (?, ?, ?, ?, ?)',
  );
  const readingsOf = db.prepare<[string, number, number], ReadingRow>(
    `SELECT * FROM readings WHERE meter_id = ? AND read_at_ms >= ? AND read_at_ms < ? ORDER BY read_at_ms, id`,
  );
  const registersOf = db.prepare<[number], RegisterRow>(
    'SELECT * FROM reading_registers WHERE reading_id = ? ORDER BY register',
  );
  const historyOf = db.prepare<[number], HistoryRow>(
    'SELECT * FROM reading_history WHERE reading_id = ? ORDER BY register, day',
  );
  const exceptionsOf = db.prepare<[string, number, number], ExceptionRow>(
    'SELECT * FROM read_exceptions WHERE meter_id = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, id',
  );

  // better-sqlite3's transaction(): BEGIN … COMMIT, ROLLBACK when the function throws.
  const ingestAll = db.transaction((batch: ReadingBatch) => {
    if (batchExists.get(batch.batchId) !== undefined)
      return { batchId: batch.batchId, rowCount: 0, duplicate: true };
    const rowCount = batch.readings.length + batch.exceptions.length;
    insertBatch.run(batch.batchId, batch.receivedAtMs, rowCount);
    for (const r of batch.readings) {
      checkReading(r);
      const id = insertReading.run(
        batch.batchId,
        r.meterId,
        r.readAtMs,
        r.instantaneousPowerW,
        r.currentRDeciampere,
        r.currentTDeciampere,
      ).lastInsertRowid;
      for (const reg of r.registers)
        insertRegister.run(id, reg.register, reg.raw, reg.coefficient, reg.unitExponent, reg.digits);
      for (const h of r.history) insertHistory.run(id, h.register, h.day, JSON.stringify(h.slots));
    }
    for (const e of batch.exceptions)
      insertException.run(batch.batchId, e.meterId, e.atMs, e.reason, e.detail);
    return { batchId: batch.batchId, rowCount, duplicate: false };
  });

  const toReading = (row: ReadingRow): MeterReading => ({
    meterId: row.meter_id,
    readAtMs: row.read_at_ms,
    registers: registersOf.all(row.id).map(
      (g): RegisterValue => ({
        register: g.register as EnergyRegister,
        raw: g.raw,
        coefficient: g.coefficient,
        unitExponent: g.unit_exponent,
        digits: g.digits,
      }),
    ),
    instantaneousPowerW: row.instantaneous_power_w,
    currentRDeciampere: row.current_r_deciampere,
    currentTDeciampere: row.current_t_deciampere,
    history: historyOf.all(row.id).map(
      (h): DayHistory => ({
        register: h.register as EnergyRegister,
        day: h.day,
        slots: JSON.parse(h.slots) as (number | null)[],
      }),
    ),
  });

  return {
    ingest: (batch) => settle(() => ingestAll.immediate(batch)),
    listReadings: (meterId, from, to) => settle(() => readingsOf.all(meterId, from, to).map(toReading)),
    listExceptions: (meterId, from, to) =>
      settle(() =>
        exceptionsOf.all(meterId, from, to).map(
          (e): ReadException => ({
            meterId: e.meter_id,
            atMs: e.at_ms,
            reason: e.reason as ReadExceptionReason,
            detail: e.detail,
          }),
        ),
      ),
  };
}
