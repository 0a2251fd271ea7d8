/**
 * Tools (field tablets) that may authenticate to the key server. Their EAP-TLS authentication
 * comes later; for now the registry answers "is this device registered and not revoked".
 */
import type { AuditRepository, ToolRepository } from '../storage/repositories.ts';
import type { Clock } from '../access/clock.ts';

export interface ToolRegistryDeps {
  readonly repository: ToolRepository;
  readonly audit: AuditRepository;
  readonly clock: Clock;
}

export class ToolRegistry {
  constructor(private readonly deps: ToolRegistryDeps) {}

  /** Registers a tool as active; false when the device id is already registered. */
  async register(deviceId: string, actor: string): Promise<boolean> {
    const nowMs = this.deps.clock();
    const done = await this.deps.repository.insert({
      deviceId,
      status: 'active',
      createdAtMs: nowMs,
      revokedAtMs: null,
    });
    await this.deps.audit.append({
      atMs: nowMs,
      actor,
      action: 'tool.register',
      outcome: done ? 'done' : 'denied',
      subject: deviceId,
      reason: done ? null : 'already-registered',
    });
    return done;
  }

  async revoke(deviceId: string, actor: string, reason: string): Promise<boolean> {
    const nowMs = this.deps.clock();
    const done = await this.deps.repository.revoke(deviceId, nowMs);
    await this.deps.audit.append({
      atMs: nowMs,
      actor,
      action: 'tool.revoke',
      outcome: done ? 'done' : 'denied',
      subject: deviceId,
      reason: done ? reason : 'not-found-or-already-revoked',
    });
    return done;
  }

  async isToolActive(deviceId: string): Promise<boolean> {
    return (await this.deps.repository.findById(deviceId))?.status === 'active';
  }
}
