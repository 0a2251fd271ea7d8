/**
 * Commands from the UI to the engine. Each carries a `requestId` the engine echoes in its
 * `reply` event, so a UI can wait for the outcome of its own command.
 */
import { z } from 'zod';
import { Settings } from './settings.ts';
import { DrAction, MESH_PAGE_MAX, METER_PAGE_MAX, MeterFilter, MeterId } from './view-models.ts';

export const RequestId = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'request id: 1-40 of A-Z a-z 0-9 _ -');

const command = <T extends string, S extends z.core.$ZodLooseShape>(type: T, shape: S) =>
  z.strictObject({ type: z.literal(type), requestId: RequestId, ...shape });

export const Command = z.discriminatedUnion('type', [
  /** Ask for a full snapshot (after connecting or reconnecting). */
  command('snapshot', {}),
  command('sign-in', {
    username: z.string().min(1).max(128),
    password: z.string().min(1).max(1024),
  }),
  command('sign-out', {}),
  command('dongle.select', { path: z.string().min(1).max(256) }),
  command('job.start', { workOrderId: z.string().min(1).max(128).nullable() }),
  command('job.end', {}),
  command('mesh.page', {
    offset: z.number().int().nonnegative(),
    limit: z.number().int().min(1).max(MESH_PAGE_MAX),
  }),
  command('meters.page', {
    offset: z.number().int().nonnegative(),
    limit: z.number().int().min(1).max(METER_PAGE_MAX),
    filter: MeterFilter,
    search: z.string().max(64),
  }),
  command('meter.open', { meterId: MeterId }),
  command('meter.close', { meterId: MeterId }),
  /**
   * A DR action. `confirmed` must be true: the UI sends it only from its confirmation step,
   * and the engine refuses anything else so a stray click cannot switch a customer off.
   */
  command('dr.execute', { meterId: MeterId, action: DrAction, confirmed: z.literal(true) }),
  /**
   * The verification key the approving supervisor read to the worker, for the job's waiting
   * grant. Only its shape is checked here (the head-end's is 43 base64url characters, but a
   * mistyped key must reach the engine so it can say what is wrong); it is never logged or stored.
   */
  command('grant.submit-key', { verificationKey: z.string().min(1).max(200) }),
  command('settings.update', { settings: Settings }),
  command('alert.dismiss', { kind: z.enum(['headend-unreachable']) }),
]);
export type Command = z.infer<typeof Command>;
export type CommandType = Command['type'];
/** A command without its request id, as UI code composes it. */
export type CommandBody = Command extends infer C
  ? C extends Command
    ? Omit<C, 'requestId'>
    : never
  : never;
