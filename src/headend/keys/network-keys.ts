/**
 * Network key life cycle at the key server: the 802.15.4 network key every meter and the tool
 * receive over PANA (in PAR-C, and in PNRs on rotation; PROTOCOL-NOTES "ZigBee IP key delivery").
 *
 *   rotate(reason)      → a new key in state 'next' (index = current % 255 + 1, so 1..255, never
 *                         0), pushed to every PANA session as an announcement;
 *   activateAt reached  → 'next' → 'current', pushed again: a PaC puts in force the key it was
 *                         announced when the same key arrives a second time (src/stack/pana/pac.ts
 *                         takeKey); the old key → 'previous' (the mesh still accepts it);
 *   grace elapsed       → 'previous' → 'retired', its material erased from the database;
 *   rotate(…, { compromised }) after a revocation: a 'next' key the compromised holder was
 *                         announced is discarded (never comes into force), and the key in force
 *                         gets the short `compromiseGraceMs` instead of `graceMs` once replaced;
 *   lifetime elapsed    → a rotation with reason "lifetime expired".
 *
 * Every change is written to the audit log with the key index and times, never key bytes. The
 * database is the source of truth: `load()` re-reads it and reports what changed since the last
 * load, so a rotation requested by another process (`fieldroot headend rotate-key`) is picked up.
 * This class holds no timers: the key server calls `advance(now)` at `nextDeadline()`.
 */
import { randomUUID } from 'node:crypto';
import { SecretBytes } from '../../log/index.ts';
import type { NetworkKey } from '../../stack/pana/index.ts';
import type {
  AuditRepository,
  NetworkKeyRecord,
  NetworkKeyRepository,
  NetworkKeyState,
} from '../storage/repositories.ts';
import type { RandomSource } from '../access/clock.ts';
import { openSecret, sealSecret } from './sealed-box.ts';

/** 802.15.4 / ZigBee IP network keys are AES-128 keys. */
export const NETWORK_KEY_LENGTH = 16;
/** Key indices cycle 1..255; 0 is never used (a key index of 0 reads as "no key" in captures). */
export const MAX_NETWORK_KEY_INDEX = 255;
export const SYSTEM_ACTOR = 'system:key-server';

export interface NetworkKeyPolicy {
  /** A current key is rotated this long after it came into force. */
  readonly lifetimeMs: number;
  /** Between announcing a 'next' key and putting it in force. */
  readonly activationDelayMs: number;
  /** How long a replaced key stays accepted ('previous') before it is retired. */
  readonly graceMs: number;
  /**
   * The same after a compromise (a revoked tool held the key): long enough for a frame in flight
   * and a meter's late PNR answer, short enough that a stolen key soon opens nothing.
   */
  readonly compromiseGraceMs: number;
}

export interface RotateOptions {
  /** The keys in force and announced were held by someone who must no longer be trusted. */
  readonly compromised?: boolean;
}

const DAY = 86_400_000;
export const DEFAULT_NETWORK_KEY_POLICY: NetworkKeyPolicy = {
  lifetimeMs: 30 * DAY,
  activationDelayMs: 60_000,
  graceMs: 10 * 60_000,
  compromiseGraceMs: 60_000,
};

export type NetworkKeyChange =
  | { readonly type: 'announced'; readonly keyIndex: number }
  | { readonly type: 'activated'; readonly keyIndex: number }
  | { readonly type: 'retired'; readonly keyIndex: number };

export class RotationInProgressError extends Error {
  override name = 'RotationInProgressError';
  constructor(
    readonly keyIndex: number,
    readonly activateAtMs: number,
  ) {
    super(
      `a rotation is already in progress: key index ${keyIndex} comes into force at ${new Date(activateAtMs).toISOString()}`,
    );
  }
}

/** The next index after `index`: 1..255 cycling, skipping 0. */
export function nextKeyIndex(index: number): number {
  return (index % MAX_NETWORK_KEY_INDEX) + 1;
}

export interface NetworkKeyManagerDeps {
  readonly repository: NetworkKeyRepository;
  readonly audit: AuditRepository;
  readonly master: SecretBytes;
  readonly random: RandomSource;
  readonly policy?: Partial<NetworkKeyPolicy>;
}

interface Live {
  readonly record: NetworkKeyRecord;
  readonly key: SecretBytes;
}

type LiveState = Exclude<NetworkKeyState, 'retired'>;

function keyPurpose(id: string): string {
  return `network-key:${id}`;
}

export class NetworkKeyManager {
  readonly policy: NetworkKeyPolicy;
  private live = new Map<LiveState, Live>();
  private loaded = false;

  constructor(private readonly deps: NetworkKeyManagerDeps) {
    this.policy = { ...DEFAULT_NETWORK_KEY_POLICY, ...deps.policy };
  }

  /**
   * Reads the keys (creating the first one, in force at once, when there is none) and returns
   * what changed since the previous load; nothing on the first load.
   */
  async load(nowMs: number): Promise<NetworkKeyChange[]> {
    let records = await this.deps.repository.list();
    if (!records.some((r) => r.state === 'current' || r.state === 'next')) {
      try {
        await this.create(nowMs, 'current', 1, 'initial key', SYSTEM_ACTOR);
      } catch (err) {
        // Another process created it between our read and our write: use theirs.
        if (!(await this.deps.repository.list()).some((r) => r.state === 'current')) throw err;
      }
      records = await this.deps.repository.list();
    }
    const fresh = new Map<LiveState, NetworkKeyRecord>();
    for (const r of records) if (r.state !== 'retired') fresh.set(r.state, r);
    const changes: NetworkKeyChange[] = [];
    if (this.loaded) {
      const was = (s: LiveState): string | undefined => this.live.get(s)?.record.id;
      const next = fresh.get('next');
      const current = fresh.get('current');
      if (next && next.id !== was('next')) changes.push({ type: 'announced', keyIndex: next.keyIndex });
      if (current && current.id !== was('current'))
        changes.push({ type: 'activated', keyIndex: current.keyIndex });
      for (const old of this.live.values()) {
        const now = records.find((r) => r.id === old.record.id);
        if (now?.state === 'retired') changes.push({ type: 'retired', keyIndex: now.keyIndex });
      }
    }
    const live = new Map<LiveState, Live>();
    for (const [state, record] of fresh) {
      const kept = [...this.live.values()].find((l) => l.record.id === record.id);
      const key =
        kept?.key ??
        new SecretBytes(
          openSecret(this.deps.master, keyPurpose(record.id), record.sealedKey!),
          `network key ${record.keyIndex}`,
        );
      live.set(state, { record, key });
    }
    for (const old of this.live.values())
      if (![...live.values()].some((l) => l.key === old.key)) old.key.wipe();
    this.live = live;
    this.loaded = true;
    return changes;
  }

  /** For PanaPaa's `networkKeys` option: the key in force and the one announced, if any. */
  currentKeys(): { current: NetworkKey; next?: NetworkKey } {
    const current = this.live.get('current');
    if (!current) throw new Error('no network key in force: call load() first');
    const next = this.live.get('next');
    // A copy: PanaPaa may seal a queued PNR after this key has been wiped from the table.
    const view = (l: Live): NetworkKey => ({ key: l.key.expose().slice(), index: l.record.keyIndex });
    return next ? { current: view(current), next: view(next) } : { current: view(current) };
  }

  /** The 'next' key's index while a rotation is in progress. */
  get announcedIndex(): number | undefined {
    return this.live.get('next')?.record.keyIndex;
  }

  /**
   * Starts a rotation: a new 'next' key, due to come into force after the activation delay. An
   * ordinary rotation refuses while another is in progress; a compromise rotation discards the
   * announced key instead (its holder knew it) and the replaced key gets the short grace.
   */
  async rotate(
    nowMs: number,
    reason: string,
    actor: string,
    options: RotateOptions = {},
  ): Promise<NetworkKeyChange[]> {
    const before = this.loaded ? [] : await this.load(nowMs);
    const pending = this.live.get('next');
    if (pending && !options.compromised)
      throw new RotationInProgressError(pending.record.keyIndex, pending.record.activateAtMs);
    if (pending && (await this.deps.repository.discardNext(pending.record.id, nowMs)))
      await this.auditKey(nowMs, actor, 'network-key.discard', pending.record, reason);
    const current = this.live.get('current')!;
    // The index after the discarded one: a meter that installed the discarded key under its
    // index must not mistake the fresh key for it (802.15.4 key-id mode 1 names keys by index).
    const after = pending ? pending.record.keyIndex : current.record.keyIndex;
    await this.create(
      nowMs,
      'next',
      nextKeyIndex(after),
      reason,
      actor,
      options.compromised ? this.policy.compromiseGraceMs : null,
    );
    return [...before, ...(await this.load(nowMs))];
  }

  /** When `advance` has something to do. */
  nextDeadline(): number | undefined {
    const next = this.live.get('next')?.record;
    const current = this.live.get('current')?.record;
    const previous = this.live.get('previous')?.record;
    const ds = [
      next?.activateAtMs,
      previous?.retireAtMs ?? undefined,
      !next && current ? (current.activatedAtMs ?? current.createdAtMs) + current.lifetimeMs : undefined,
    ].filter((d): d is number => d !== undefined && d !== null);
    return ds.length === 0 ? undefined : Math.min(...ds);
  }

  /** Performs what is due at `nowMs` (activation, retirement, lifetime rotation). */
  async advance(nowMs: number): Promise<NetworkKeyChange[]> {
    if (!this.loaded) await this.load(nowMs);
    const next = this.live.get('next')?.record;
    const previous = this.live.get('previous')?.record;
    const current = this.live.get('current')?.record;
    if (next && nowMs >= next.activateAtMs) {
      const grace = next.replacedGraceMs ?? this.policy.graceMs;
      if (await this.deps.repository.activate(next.id, nowMs, nowMs + grace)) {
        if (previous)
          await this.auditKey(
            nowMs,
            SYSTEM_ACTOR,
            'network-key.retire',
            previous,
            'replaced during its grace period',
          );
        await this.auditKey(nowMs, SYSTEM_ACTOR, 'network-key.activate', next, next.reason);
      }
    } else if (previous && previous.retireAtMs !== null && nowMs >= previous.retireAtMs) {
      if (await this.deps.repository.retire(previous.id, nowMs))
        await this.auditKey(nowMs, SYSTEM_ACTOR, 'network-key.retire', previous, 'grace period over');
    } else if (
      !next &&
      current &&
      nowMs >= (current.activatedAtMs ?? current.createdAtMs) + current.lifetimeMs
    ) {
      try {
        return await this.rotate(nowMs, 'lifetime expired', SYSTEM_ACTOR);
      } catch (err) {
        if (!(err instanceof RotationInProgressError)) throw err;
      }
    }
    return this.load(nowMs);
  }

  /** Wipes the keys held in memory (on stop). */
  wipe(): void {
    for (const l of this.live.values()) l.key.wipe();
    this.live.clear();
    this.loaded = false;
  }

  private async create(
    nowMs: number,
    state: 'current' | 'next',
    keyIndex: number,
    reason: string,
    actor: string,
    replacedGraceMs: number | null = null,
  ): Promise<void> {
    const id = `nk-${randomUUID()}`;
    const material = this.deps.random(NETWORK_KEY_LENGTH);
    if (material.length !== NETWORK_KEY_LENGTH) throw new RangeError('random source returned a short key');
    const record: NetworkKeyRecord = {
      id,
      keyIndex,
      state,
      sealedKey: sealSecret(this.deps.master, keyPurpose(id), material, this.deps.random),
      lifetimeMs: this.policy.lifetimeMs,
      reason,
      createdAtMs: nowMs,
      activateAtMs: state === 'current' ? nowMs : nowMs + this.policy.activationDelayMs,
      activatedAtMs: state === 'current' ? nowMs : null,
      retireAtMs: null,
      retiredAtMs: null,
      replacedGraceMs,
    };
    material.fill(0);
    await this.deps.repository.insert(record);
    await this.auditKey(nowMs, actor, 'network-key.create', record, reason);
  }

  private async auditKey(
    nowMs: number,
    actor: string,
    action: string,
    record: NetworkKeyRecord,
    reason: string,
  ): Promise<void> {
    await this.deps.audit.append({
      atMs: nowMs,
      actor,
      action,
      outcome: 'done',
      subject: record.id,
      reason,
      detail: { keyIndex: record.keyIndex, state: record.state, activateAtMs: record.activateAtMs },
    });
  }
}

/** What `fieldroot headend keys-status` shows: indices, states and times, never key material. */
export interface NetworkKeyStatus {
  readonly id: string;
  readonly keyIndex: number;
  readonly state: NetworkKeyState;
  readonly reason: string;
  readonly createdAtMs: number;
  readonly activateAtMs: number;
  readonly activatedAtMs: number | null;
  readonly retireAtMs: number | null;
  readonly retiredAtMs: number | null;
  readonly lifetimeMs: number;
}

export async function networkKeyStatus(repository: NetworkKeyRepository): Promise<NetworkKeyStatus[]> {
  return (await repository.list()).map((r) => ({
    id: r.id,
    keyIndex: r.keyIndex,
    state: r.state,
    reason: r.reason,
    createdAtMs: r.createdAtMs,
    activateAtMs: r.activateAtMs,
    activatedAtMs: r.activatedAtMs,
    retireAtMs: r.retireAtMs,
    retiredAtMs: r.retiredAtMs,
    lifetimeMs: r.lifetimeMs,
  }));
}
