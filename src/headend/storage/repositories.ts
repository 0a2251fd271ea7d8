/**
 * Repository interfaces of the head-end's storage. The SQLite implementations live in
 * `./sqlite/`; a PostgreSQL implementation is meant to satisfy the same interfaces.
 *
 * Async choice: every method returns a Promise even though better-sqlite3 is synchronous,
 * because a PostgreSQL driver cannot answer synchronously and the callers (the access services,
 * the API) should not change when the back-end does. Cross-table steps that must be atomic are
 * single repository methods (`ReadingRepository.ingest`, `GrantRepository.exchange`,
 * `WorkOrderRepository.insert`) rather than transactions spanning awaits, so each back-end keeps
 * its transaction inside one call and no caller holds a transaction open across an await.
 * State changes that race (approve, exchange, revoke, work-order state) are compare-and-set:
 * they name the state they expect and report whether they took effect.
 */

export type Role = 'field-worker' | 'supervisor' | 'admin';
export const ROLES: readonly Role[] = ['field-worker', 'supervisor', 'admin'];

export interface AccountRecord {
  readonly id: string;
  /** Normalised (lower-case) sign-in name, unique. */
  readonly username: string;
  readonly role: Role;
  /** An encoded password hash (see access/password.ts); never the password. */
  readonly passwordHash: string;
  readonly disabled: boolean;
  readonly createdAtMs: number;
}

export interface AccountRepository {
  insert(account: AccountRecord): Promise<void>;
  findById(id: string): Promise<AccountRecord | undefined>;
  findByUsername(username: string): Promise<AccountRecord | undefined>;
  setPasswordHash(id: string, passwordHash: string): Promise<void>;
  setDisabled(id: string, disabled: boolean): Promise<void>;
}

export interface SessionRecord {
  /** SHA-256 of the session token (hex); the token itself is never stored. */
  readonly tokenHash: string;
  readonly accountId: string;
  /** Where the sign-in came from (the client address), for the audit trail. */
  readonly source: string;
  readonly createdAtMs: number;
  readonly lastSeenMs: number;
  readonly endedAtMs: number | null;
}

export interface SessionRepository {
  insert(session: SessionRecord): Promise<void>;
  find(tokenHash: string): Promise<SessionRecord | undefined>;
  touch(tokenHash: string, lastSeenMs: number): Promise<void>;
  /** Ends the session if still open; true when this call ended it. */
  end(tokenHash: string, atMs: number): Promise<boolean>;
}

/** One page of a list in id order: ids greater than `afterId`, at most `limit` of them. */
export interface ListPage {
  readonly limit: number;
  readonly afterId?: string;
}

export type WorkOrderState = 'assigned' | 'active' | 'completed' | 'cancelled';

export interface WorkOrderRecord {
  readonly id: string;
  readonly workerId: string;
  readonly toolId: string;
  readonly meterIds: readonly string[];
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly state: WorkOrderState;
  readonly createdBy: string;
  readonly createdAtMs: number;
}

export interface WorkOrderRepository {
  /** Inserts the order and its meter list atomically. */
  insert(order: WorkOrderRecord): Promise<void>;
  findById(id: string): Promise<WorkOrderRecord | undefined>;
  listForWorker(workerId: string): Promise<WorkOrderRecord[]>;
  /** Every order in id order, after `afterId` (exclusive), at most `limit` (the console's list). */
  list(page: ListPage): Promise<WorkOrderRecord[]>;
  /** Compare-and-set; true when the order was in `from` and is now in `to`. */
  transition(id: string, from: WorkOrderState, to: WorkOrderState): Promise<boolean>;
}

export type GrantState = 'requested' | 'approved' | 'issued' | 'revoked';

export interface GrantRecord {
  readonly id: string;
  readonly workOrderId: string;
  readonly workerId: string;
  readonly toolId: string;
  readonly state: GrantState;
  readonly requestedAtMs: number;
  readonly approvedBy: string | null;
  readonly approvedAtMs: number | null;
  /** SHA-256 (hex) of the single-use verification key. */
  readonly verificationKeyHash: string | null;
  readonly verificationExpiresAtMs: number | null;
  readonly verificationUsedAtMs: number | null;
  /** SHA-256 (hex) of the access key. */
  readonly accessKeyHash: string | null;
  readonly accessExpiresAtMs: number | null;
  readonly revokedBy: string | null;
  readonly revokedAtMs: number | null;
}

export interface GrantApproval {
  readonly approvedBy: string;
  readonly atMs: number;
  readonly verificationKeyHash: string;
  readonly verificationExpiresAtMs: number;
}

export interface GrantExchange {
  readonly verificationKeyHash: string;
  readonly atMs: number;
  readonly accessKeyHash: string;
  readonly accessExpiresAtMs: number;
}

export interface GrantRepository {
  insert(grant: GrantRecord): Promise<void>;
  findById(id: string): Promise<GrantRecord | undefined>;
  findByVerificationKeyHash(hash: string): Promise<GrantRecord | undefined>;
  findByAccessKeyHash(hash: string): Promise<GrantRecord | undefined>;
  /** Every grant in id order, after `afterId` (exclusive), at most `limit` (the console's list). */
  list(page: ListPage): Promise<GrantRecord[]>;
  /** 'requested' → 'approved' with a verification key; true when it took effect. */
  approve(id: string, approval: GrantApproval): Promise<boolean>;
  /**
   * Consumes an unused, unexpired verification key of an 'approved' grant and records the
   * access key ('approved' → 'issued') in one atomic step; the updated grant, or undefined when
   * the key was unknown, used, expired or the grant not in 'approved'.
   */
  exchange(exchange: GrantExchange): Promise<GrantRecord | undefined>;
  /** Any state but 'revoked' → 'revoked'; true when it took effect. */
  revoke(id: string, by: string, atMs: number): Promise<boolean>;
}

export type AuditOutcome = 'allowed' | 'denied' | 'done';

export interface AuditEntryInput {
  readonly atMs: number;
  /** Account id, tool id or null for an unidentified caller. */
  readonly actor: string | null;
  readonly action: string;
  readonly outcome: AuditOutcome;
  /** What was acted on (meter id, grant id, username…). */
  readonly subject: string | null;
  readonly reason: string | null;
  readonly detail?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface AuditEntry extends AuditEntryInput {
  readonly seq: number;
}

/** Append-only: there is no update or delete, and the SQLite schema refuses both. */
export interface AuditRepository {
  append(entry: AuditEntryInput): Promise<number>;
  /** Entries in order, from `afterSeq` exclusive. */
  list(options?: { readonly afterSeq?: number; readonly limit?: number }): Promise<AuditEntry[]>;
}

export interface ServingPath {
  readonly via: 'gateway' | 'tool';
  /** Concentrator/gateway id or tool id. */
  readonly id: string;
  readonly sinceMs: number;
}

export interface MeterRecord {
  readonly meterId: string;
  /** IEEE EUI-64 as 16 lower-case hex digits. */
  readonly eui64: string;
  readonly site: string;
  /** Expected location, WGS 84 degrees. */
  readonly latitude: number;
  readonly longitude: number;
  readonly serving: ServingPath;
}

export interface MeterRepository {
  /** Inserts or replaces the meter's registry entry. */
  upsert(meter: MeterRecord): Promise<void>;
  findById(meterId: string): Promise<MeterRecord | undefined>;
  findByEui64(eui64: string): Promise<MeterRecord | undefined>;
  listBySite(site: string): Promise<MeterRecord[]>;
  setServingPath(meterId: string, serving: ServingPath): Promise<boolean>;
}

/** Cumulative energy registers: 'normal' is ECHONET EPC 0xE0, 'reverse' is 0xE3. */
export type EnergyRegister = 'normal' | 'reverse';

/**
 * A register value exactly as read: energy = raw × coefficient × 10^unitExponent kWh (ECHONET
 * 0288 EPCs E0/E3, D3 coefficient, E1 unit); `digits` (D7) gives the roll-over point 10^digits.
 * Kept as integers so no float rounding ever touches billed energy.
 */
export interface RegisterValue {
  readonly register: EnergyRegister;
  readonly raw: number;
  readonly coefficient: number;
  readonly unitExponent: number;
  readonly digits: number;
}

/** Half-hourly cumulative values of one day (ECHONET E2/E4): 48 slots from 00:00, null = no data. */
export interface DayHistory {
  readonly register: EnergyRegister;
  /** Calendar day, YYYY-MM-DD, in the meter's local time. */
  readonly day: string;
  readonly slots: readonly (number | null)[];
}

export interface MeterReading {
  readonly meterId: string;
  readonly readAtMs: number;
  readonly registers: readonly RegisterValue[];
  /** W (ECHONET E7); null when not read or out of range. */
  readonly instantaneousPowerW: number | null;
  /** 0.1 A units (ECHONET E8); null when not read, out of range or not applicable. */
  readonly currentRDeciampere: number | null;
  readonly currentTDeciampere: number | null;
  readonly history: readonly DayHistory[];
}

export type ReadExceptionReason =
  | 'no-response'
  | 'timeout'
  | 'not-joined'
  | 'rejected'
  | 'decode-error'
  | 'out-of-range'
  /** The register decreased and no rollover past 10^D7 explains it (AMR validation). */
  | 'register-backwards'
  /** The register rolled over past 10^D7 − 1; the reading is stored, billing is told. */
  | 'register-rollover'
  /** E7, or the average power since the last read, is beyond what the supply can carry. */
  | 'implausible-power';

export interface ReadException {
  readonly meterId: string;
  readonly atMs: number;
  readonly reason: ReadExceptionReason;
  readonly detail: string | null;
}

export interface ReadingBatch {
  /** Chosen by the sender; a batch id already stored is not stored again. */
  readonly batchId: string;
  readonly receivedAtMs: number;
  readonly readings: readonly MeterReading[];
  readonly exceptions: readonly ReadException[];
}

export interface IngestResult {
  readonly batchId: string;
  /** readings + exceptions stored by this batch. */
  readonly rowCount: number;
  /** True when the batch id was already stored (a retry); nothing was written. */
  readonly duplicate: boolean;
}

export interface ReadingRepository {
  /** Stores the whole batch in one transaction: all of it or none of it. */
  ingest(batch: ReadingBatch): Promise<IngestResult>;
  listReadings(meterId: string, fromMs: number, toMs: number): Promise<MeterReading[]>;
  listExceptions(meterId: string, fromMs: number, toMs: number): Promise<ReadException[]>;
}

export type CredentialStatus = 'active' | 'revoked';

/**
 * A meter's EAP-PSK credential (RFC 4764). `sealedPsk` is an AES-256-GCM box under the key
 * server's master key (keys/sealed-box.ts); the clear PSK is never stored nor returned.
 */
export interface MeterCredentialRecord {
  readonly meterId: string;
  /** IEEE EUI-64 as 16 lower-case hex digits. */
  readonly eui64: string;
  /** The EAP-PSK peer identity ID_P (RFC 4764 §5.2) as text; unique. */
  readonly idP: string;
  readonly sealedPsk: Uint8Array;
  readonly status: CredentialStatus;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly revokedAtMs: number | null;
}

export interface MeterCredentialRepository {
  /**
   * Inserts new credentials and replaces the sealed PSK of existing active ones, all in one
   * transaction (all or nothing). A record whose meter is revoked is refused (the whole batch).
   */
  importBatch(records: readonly MeterCredentialRecord[]): Promise<void>;
  findById(meterId: string): Promise<MeterCredentialRecord | undefined>;
  findByIdP(idP: string): Promise<MeterCredentialRecord | undefined>;
  findByEui64(eui64: string): Promise<MeterCredentialRecord | undefined>;
  listActive(): Promise<MeterCredentialRecord[]>;
  countByStatus(): Promise<Record<CredentialStatus, number>>;
  /** 'active' → 'revoked'; true when this call revoked it. */
  revoke(meterId: string, atMs: number): Promise<boolean>;
}

export interface ToolRecord {
  readonly deviceId: string;
  readonly status: CredentialStatus;
  readonly createdAtMs: number;
  readonly revokedAtMs: number | null;
}

export interface ToolRepository {
  /** Registers a tool as active; false when the device id is already registered. */
  insert(tool: ToolRecord): Promise<boolean>;
  findById(deviceId: string): Promise<ToolRecord | undefined>;
  /** 'active' → 'revoked'; true when this call revoked it. */
  revoke(deviceId: string, atMs: number): Promise<boolean>;
}

/**
 * Network key life cycle: 'next' (announced, not yet in force) → 'current' → 'previous' (still
 * accepted by the mesh during the grace period) → 'retired' (material erased).
 */
export type NetworkKeyState = 'next' | 'current' | 'previous' | 'retired';

export interface NetworkKeyRecord {
  readonly id: string;
  /** 1..255 (the 802.15.4 key index; 0 is never used). */
  readonly keyIndex: number;
  readonly state: NetworkKeyState;
  /** AES-256-GCM box under the master key; null once retired. */
  readonly sealedKey: Uint8Array | null;
  readonly lifetimeMs: number;
  /** Why the key was created (operator text or a system reason), for the audit trail. */
  readonly reason: string;
  readonly createdAtMs: number;
  /** When a 'next' key is due to come into force. */
  readonly activateAtMs: number;
  readonly activatedAtMs: number | null;
  /** When a 'previous' key is due to be retired. */
  readonly retireAtMs: number | null;
  readonly retiredAtMs: number | null;
  /**
   * How long the key this one replaces stays accepted once this one is in force; null for the
   * policy's grace. Set short by a rotation after a compromise.
   */
  readonly replacedGraceMs: number | null;
}

export interface NetworkKeyRepository {
  /** Inserts a key; rejects when a key in the same live state exists. */
  insert(key: NetworkKeyRecord): Promise<void>;
  /** Every key, oldest first. */
  list(): Promise<NetworkKeyRecord[]>;
  /**
   * In one transaction: 'previous' (if any) → 'retired', 'current' (if any) → 'previous' with
   * `retireAtMs`, the 'next' key `nextId` → 'current'. False (nothing changed) when `nextId` is
   * not the 'next' key.
   */
  activate(nextId: string, atMs: number, retireAtMs: number): Promise<boolean>;
  /** 'previous' → 'retired', erasing the material; true when it took effect. */
  retire(id: string, atMs: number): Promise<boolean>;
  /**
   * A 'next' key that must never come into force (it was announced to a compromised holder) →
   * 'retired', erasing the material; true when it took effect.
   */
  discardNext(id: string, atMs: number): Promise<boolean>;
}

export interface HeadendRepositories {
  readonly accounts: AccountRepository;
  readonly sessions: SessionRepository;
  readonly workOrders: WorkOrderRepository;
  readonly grants: GrantRepository;
  readonly audit: AuditRepository;
  readonly meters: MeterRepository;
  readonly readings: ReadingRepository;
  readonly meterCredentials: MeterCredentialRepository;
  readonly tools: ToolRepository;
  readonly networkKeys: NetworkKeyRepository;
}
