/**
 * Work orders: a supervisor assigns a field worker, the worker's tool, a set of meters and a
 * time window. 'assigned' → 'active' (the worker starts it inside the window) → 'completed';
 * a supervisor may cancel an order that is not completed.
 */
import type {
  AccountRepository,
  AuditRepository,
  ListPage,
  MeterRepository,
  WorkOrderRecord,
  WorkOrderRepository,
} from '../storage/repositories.ts';
import type { Clock, RandomSource } from './clock.ts';
import { AccessDeniedError, type DenialReason } from './errors.ts';

const ORDER_ID_BYTES = 9;

export interface WorkOrderServiceDeps {
  readonly accounts: AccountRepository;
  readonly workOrders: WorkOrderRepository;
  readonly meters: MeterRepository;
  readonly audit: AuditRepository;
  readonly clock: Clock;
  readonly random: RandomSource;
}

export interface NewWorkOrder {
  readonly workerId: string;
  readonly toolId: string;
  readonly meterIds: readonly string[];
  readonly windowStartMs: number;
  readonly windowEndMs: number;
}

/** A meter of an order with the EUI-64 the registry holds for it (mesh events name meters by it). */
export interface WorkOrderMeter {
  readonly meterId: string;
  readonly eui64: string;
}

/** What the API returns for an order (the contract's WorkOrder): its meters with their EUI-64s. */
export interface WorkOrderView extends Omit<WorkOrderRecord, 'meterIds'> {
  readonly meters: readonly WorkOrderMeter[];
}

export class WorkOrderService {
  constructor(private readonly deps: WorkOrderServiceDeps) {}

  async assign(supervisorId: string, order: NewWorkOrder): Promise<WorkOrderRecord> {
    const nowMs = this.deps.clock();
    await this.requireSupervisor(supervisorId, 'work-order.assign', nowMs);
    const worker = await this.deps.accounts.findById(order.workerId);
    if (worker?.role !== 'field-worker' || worker.disabled)
      throw new RangeError(`${order.workerId} is not an enabled field-worker account`);
    if (order.meterIds.length === 0) throw new RangeError('a work order needs at least one meter');
    if (!(order.windowEndMs > order.windowStartMs))
      throw new RangeError('work order window must end after it starts');
    for (const meterId of order.meterIds)
      if ((await this.deps.meters.findById(meterId)) === undefined)
        throw new RangeError(`meter ${meterId} is not in the registry`);
    const record: WorkOrderRecord = {
      id: `wo-${Buffer.from(this.deps.random(ORDER_ID_BYTES)).toString('base64url')}`,
      workerId: order.workerId,
      toolId: order.toolId,
      meterIds: [...new Set(order.meterIds)].sort(),
      windowStartMs: order.windowStartMs,
      windowEndMs: order.windowEndMs,
      state: 'assigned',
      createdBy: supervisorId,
      createdAtMs: nowMs,
    };
    await this.deps.workOrders.insert(record);
    await this.deps.audit.append({
      atMs: nowMs,
      actor: supervisorId,
      action: 'work-order.assign',
      outcome: 'done',
      subject: record.id,
      reason: null,
      detail: { workerId: record.workerId, toolId: record.toolId, meters: record.meterIds.length },
    });
    return record;
  }

  /** The worker starts an assigned order of theirs, inside its window. */
  async start(workerId: string, orderId: string): Promise<WorkOrderRecord> {
    const nowMs = this.deps.clock();
    const order = await this.deps.workOrders.findById(orderId);
    const deny = (reason: DenialReason) => this.deny(workerId, 'work-order.start', orderId, reason, nowMs);
    if (order === undefined) return deny('not-found');
    if (order.workerId !== workerId) return deny('wrong-worker');
    if (nowMs < order.windowStartMs || nowMs >= order.windowEndMs) return deny('outside-window');
    if (!(await this.deps.workOrders.transition(orderId, 'assigned', 'active')))
      return deny('work-order-inactive');
    await this.done(workerId, 'work-order.start', orderId, nowMs);
    return { ...order, state: 'active' };
  }

  async complete(workerId: string, orderId: string): Promise<void> {
    const nowMs = this.deps.clock();
    const order = await this.deps.workOrders.findById(orderId);
    if (order?.workerId !== workerId)
      return this.deny(workerId, 'work-order.complete', orderId, 'wrong-worker', nowMs);
    if (!(await this.deps.workOrders.transition(orderId, 'active', 'completed')))
      return this.deny(workerId, 'work-order.complete', orderId, 'work-order-inactive', nowMs);
    await this.done(workerId, 'work-order.complete', orderId, nowMs);
  }

  async cancel(supervisorId: string, orderId: string): Promise<void> {
    const nowMs = this.deps.clock();
    await this.requireSupervisor(supervisorId, 'work-order.cancel', nowMs);
    const cancelled =
      (await this.deps.workOrders.transition(orderId, 'assigned', 'cancelled')) ||
      (await this.deps.workOrders.transition(orderId, 'active', 'cancelled'));
    if (!cancelled)
      return this.deny(supervisorId, 'work-order.cancel', orderId, 'work-order-inactive', nowMs);
    await this.done(supervisorId, 'work-order.cancel', orderId, nowMs);
  }

  listForWorker(workerId: string): Promise<WorkOrderRecord[]> {
    return this.deps.workOrders.listForWorker(workerId);
  }

  /**
   * The order as the tool gets it: each meter with its registry EUI-64. Assignment refuses meters
   * not in the registry, so a meter missing now was removed from it since; it is left out (the
   * tool could not recognise it on the mesh anyway) rather than failing the worker's whole list.
   */
  async view(order: WorkOrderRecord): Promise<WorkOrderView> {
    const { meterIds, ...rest } = order;
    const meters: WorkOrderMeter[] = [];
    for (const meterId of meterIds) {
      const meter = await this.deps.meters.findById(meterId);
      if (meter !== undefined) meters.push({ meterId, eui64: meter.eui64 });
    }
    return { ...rest, meters };
  }

  /** The console's list (the caller has checked the supervisor role). */
  list(page: ListPage): Promise<WorkOrderRecord[]> {
    return this.deps.workOrders.list(page);
  }

  private async requireSupervisor(actorId: string, action: string, nowMs: number): Promise<void> {
    const actor = await this.deps.accounts.findById(actorId);
    if (actor === undefined || actor.disabled || (actor.role !== 'supervisor' && actor.role !== 'admin'))
      await this.deny(actorId, action, null, 'forbidden-role', nowMs);
  }

  private async deny(
    actor: string,
    action: string,
    subject: string | null,
    reason: DenialReason,
    nowMs: number,
  ): Promise<never> {
    await this.deps.audit.append({ atMs: nowMs, actor, action, outcome: 'denied', subject, reason });
    throw new AccessDeniedError(reason);
  }

  private async done(actor: string, action: string, subject: string, nowMs: number): Promise<void> {
    await this.deps.audit.append({ atMs: nowMs, actor, action, outcome: 'done', subject, reason: null });
  }
}
