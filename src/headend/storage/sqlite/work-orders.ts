import type { SqliteDatabase } from '../database.ts';
import type { WorkOrderRecord, WorkOrderRepository, WorkOrderState } from '../repositories.ts';
import { settle } from './settle.ts';

interface Row {
  id: string;
  worker_id: string;
  tool_id: string;
  window_start_ms: number;
  window_end_ms: number;
  state: string;
  created_by: string;
  created_at_ms: number;
}

export function createSqliteWorkOrderRepository(db: SqliteDatabase): WorkOrderRepository {
  const insertOrder = db.prepare(
    `INSERT INTO work_orders (id, worker_id, tool_id, window_start_ms, window_end_ms, state, created_by, created_at_ms)
     VALUES (@id, @workerId, @toolId, @windowStartMs, @windowEndMs, @state, @createdBy, @createdAtMs)`,
  );
  const insertMeter = db.prepare('INSERT INTO work_order_meters (work_order_id, meter_id) VALUES (?, ?)');
  const byId = db.prepare<[string], Row>('SELECT * FROM work_orders WHERE id = ?');
  const byWorker = db.prepare<[string], Row>(
    'SELECT * FROM work_orders WHERE worker_id = ? ORDER BY window_start_ms, id',
  );
  const page = db.prepare<[string, number], Row>(
    'SELECT * FROM work_orders WHERE id > ? ORDER BY id LIMIT ?',
  );
  const meters = db
    .prepare<
      [string],
      string
    >('SELECT meter_id FROM work_order_meters WHERE work_order_id = ? ORDER BY meter_id')
    .pluck();
  const transition = db.prepare('UPDATE work_orders SET state = ? WHERE id = ? AND state = ?');

  const toRecord = (row: Row): WorkOrderRecord => ({
    id: row.id,
    workerId: row.worker_id,
    toolId: row.tool_id,
    meterIds: meters.all(row.id),
    windowStartMs: row.window_start_ms,
    windowEndMs: row.window_end_ms,
    state: row.state as WorkOrderState,
    createdBy: row.created_by,
    createdAtMs: row.created_at_ms,
  });
  const insertAll = db.transaction((order: WorkOrderRecord) => {
    const { meterIds, ...rest } = order;
    insertOrder.run(rest);
    for (const meterId of meterIds) insertMeter.run(order.id, meterId);
  });

  return {
    insert: (order) => settle(() => insertAll.immediate(order)),
    findById: (id) =>
      settle(() => {
        const row = byId.get(id);
        return row === undefined ? undefined : toRecord(row);
      }),
    listForWorker: (workerId) => settle(() => byWorker.all(workerId).map(toRecord)),
    list: ({ limit, afterId }) => settle(() => page.all(afterId ?? '', limit).map(toRecord)),
    transition: (id, from, to) => settle(() => transition.run(to, id, from).changes === 1),
  };
}
