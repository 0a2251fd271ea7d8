/**
 * Repository of the AMR/DR server's own tables (migration 3) and of the cross-meter queries the
 * reading engine and the supervisor console need. Kept apart from `HeadendRepositories` so that
 * services which do not use it need not provide it.
 */
import type { AuditEntry, MeterReading, ReadException } from './repositories.ts';

export type DrAction = 'disconnect' | 'reconnect' | 'load-limit';
export const DR_ACTIONS: readonly DrAction[] = ['disconnect', 'reconnect', 'load-limit'];

export interface DrAuthorisationRecord {
  readonly id: string;
  readonly meterId: string;
  readonly action: DrAction;
  /** load-limit only: the limit in W, 0 = remove the limit. */
  readonly loadLimitW: number | null;
  readonly issuedBy: string;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
  readonly usedAtMs: number | null;
  /** The tool that used it. */
  readonly usedBy: string | null;
}

export interface ReadExceptionRow extends ReadException {
  readonly id: number;
}

export interface AmrRepository {
  insertDrAuthorisation(record: DrAuthorisationRecord): Promise<void>;
  findDrAuthorisation(id: string): Promise<DrAuthorisationRecord | undefined>;
  /** Marks an unused, unexpired authorisation used; true when this call took it. */
  useDrAuthorisation(id: string, usedBy: string, atMs: number): Promise<boolean>;
  listDrAuthorisations(limit: number): Promise<DrAuthorisationRecord[]>;
  /** One meter's unused authorisations that are still valid at `atMs`, newest first. */
  listUsableDrAuthorisations(meterId: string, atMs: number): Promise<DrAuthorisationRecord[]>;
  /** The newest stored reading of a meter (registers only, no history), if any. */
  latestReading(meterId: string): Promise<Pick<MeterReading, 'readAtMs' | 'registers'> | undefined>;
  /** The newest read exceptions of every meter, newest first. */
  recentExceptions(limit: number): Promise<ReadExceptionRow[]>;
  /** The newest audit entries, newest first; `actionPrefix` keeps e.g. only 'dr.' actions. */
  recentAudit(limit: number, actionPrefix?: string): Promise<AuditEntry[]>;
}
