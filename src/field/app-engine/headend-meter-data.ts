/**
 * Read results and demand response through the head-end AMR/DR API (issue #5), under the access
 * grant of the job's work order:
 *
 *   POST /v1/grants (tool + worker) → a supervisor approves it and hands the worker the single-use
 *   verification key → POST /v1/grants/exchange → an access key, held in memory for the job only.
 *
 * Every detail view is fetched anew (`detail`); nothing is cached and nothing is written. The
 * grant's verification key reaches the tool through `GrantApproval` (the worker types what the
 * approving supervisor reads out: grant-hand-over.ts); a wrong key is reported and asked for
 * again, an expired one replaced by a new grant. DR authorisations are looked up by the tool
 * itself under the access key (GET /v1/meters/{id}/dr-authorisations): no supervisor session.
 */
import type {
  DrAction,
  DrAuthorisationView,
  DrResultView,
  GrantKeyError,
  MeterDetailView,
} from '../../contract/app/index.ts';

type HalfHourView = MeterDetailView['halfHourly'][number];
import { HeadendApiError, type HeadendClient } from '../headend-client/index.ts';
import { HeadendError } from './headend-client.ts';
import type { MeterData } from './seams.ts';

/** The head-end calls this module makes (the tool's HeadendClient has them all). */
export type MeterDataClient = Pick<HeadendClient, 'call'>;

/** A grant waiting for its verification key. */
export interface PendingGrant {
  readonly grantId: string;
  readonly workOrderId: string;
  /** Why the key handed over before for this job was not accepted; absent on the first ask. */
  readonly previousError?: GrantKeyError;
}

/** How the worker hands the tool the verification key the approving supervisor was given. */
export interface GrantApproval {
  /** Resolves with a key for this grant; asked again after a refusal. */
  verificationKey(grant: PendingGrant): Promise<string>;
  /** The key last handed over was refused by the head-end. */
  refused?(grant: PendingGrant, error: GrantKeyError): void;
  /** The key was exchanged for an access key. */
  accepted?(grant: PendingGrant): void;
}

/** A usable authorisation of one meter, with the id the DR command quotes. */
export interface UsableAuthorisation extends DrAuthorisationView {
  readonly id: string;
}

/** What one poll of the job's read results says about each meter. */
export interface MeterReadOutcome {
  readonly read: boolean;
  /** The newest read exception's reason, when the meter has no reading. */
  readonly failure?: string;
}

/** The job driver's view of read results (JobDriver polls it while the mesh runs). */
export interface JobReads {
  /** Requests the work order's grant and exchanges it for an access key. */
  begin(workOrderId: string, sessionToken: string): Promise<void>;
  readonly hasAccess: boolean;
  /** Read results since the job started, per meter id. */
  poll(sessionToken: string): Promise<ReadonlyMap<string, MeterReadOutcome>>;
  /** Drops the access key (job end, revocation). */
  end(): void;
}

export interface HeadendMeterDataOptions {
  readonly client: MeterDataClient;
  readonly approval: GrantApproval;
  readonly clock: () => number;
  /** Days of half-hourly history shown in the detail view (the contract allows 14). */
  readonly historyDays?: number;
}

const HALF_HOUR_MS = 30 * 60_000;
const DAY_MS = 24 * 60 * 60_000;
/** ECHONET Lite smart meters keep their day boundaries in Japan Standard Time (UTC+9). */
const JST_OFFSET = '+09:00';
const DEFAULT_HISTORY_DAYS = 3;
/** Readings this old at job start still count: a meter read moments before the job began. */
const READ_WINDOW_SLACK_MS = 60_000;
/** Keys refused before the job gives up asking (a worker guessing, or a key read out wrong). */
export const MAX_KEY_ATTEMPTS = 10;

/** The head-end's refusal of an exchanged key, as the worker is told it; null for other failures. */
function keyRefusal(err: unknown): GrantKeyError | null {
  if (!(err instanceof HeadendApiError)) return null;
  if (err.code === 'bad-request') return 'malformed';
  if (err.status !== 403 && err.status !== 404) return null;
  switch (err.reason) {
    case 'expired':
    case 'verification-key-reused':
    case 'revoked':
    case 'not-approved':
      return 'expired';
    default:
      // unknown-key, another worker's or tool's grant: the key is not this grant's.
      return 'wrong-key';
  }
}

interface Access {
  readonly workOrderId: string;
  readonly key: string;
  readonly sinceMs: number;
}

export class HeadendMeterData implements MeterData, JobReads {
  private access: Access | null = null;

  constructor(private readonly o: HeadendMeterDataOptions) {}

  get hasAccess(): boolean {
    return this.access !== null;
  }

  async begin(workOrderId: string, sessionToken: string): Promise<void> {
    const request = () => this.o.client.call('requestGrant', { token: sessionToken, body: { workOrderId } });
    let grant: PendingGrant = { grantId: (await request()).id, workOrderId };
    for (let attempt = 1; ; attempt++) {
      const verificationKey = await this.o.approval.verificationKey(grant);
      try {
        const exchanged = await this.o.client.call('exchangeGrant', {
          token: sessionToken,
          body: { verificationKey },
        });
        this.o.approval.accepted?.(grant);
        this.access = {
          workOrderId,
          key: exchanged.accessKey,
          sinceMs: this.o.clock() - READ_WINDOW_SLACK_MS,
        };
        return;
      } catch (err) {
        const refusal = keyRefusal(err);
        // A grant refusal is not the tool's revocation (both say 'revoked'): keep it from the classifier.
        if (refusal === null) throw err;
        if (attempt >= MAX_KEY_ATTEMPTS) {
          this.o.approval.refused?.(grant, 'too-many-attempts');
          throw new HeadendError(
            'refused',
            'too many verification keys were refused: end the job and start again',
          );
        }
        this.o.approval.refused?.(grant, refusal);
        // An expired (or used, or revoked) key's grant cannot be approved again: ask for a new one.
        const grantId = refusal === 'expired' ? (await request()).id : grant.grantId;
        grant = { grantId, workOrderId, previousError: refusal };
      }
    }
  }

  end(): void {
    this.access = null;
  }

  async poll(sessionToken: string): Promise<ReadonlyMap<string, MeterReadOutcome>> {
    const access = this.requireAccess();
    const res = await this.o.client.call('jobReadings', {
      token: sessionToken,
      accessKey: access.key,
      params: { id: access.workOrderId },
      query: { fromMs: access.sinceMs, toMs: this.o.clock() + 1 },
    });
    const out = new Map<string, MeterReadOutcome>();
    for (const m of res.meters) {
      if (m.readings.length > 0) out.set(m.meterId, { read: true });
      else {
        const newest = [...m.exceptions].sort((a, b) => b.atMs - a.atMs)[0];
        out.set(m.meterId, newest === undefined ? { read: false } : { read: false, failure: newest.reason });
      }
    }
    return out;
  }

  /** The meter's unused, unexpired DR authorisations, asked of the head-end now. */
  async usableAuthorisations(meterId: string, sessionToken: string): Promise<UsableAuthorisation[]> {
    const access = this.requireAccess();
    const res = await this.o.client.call('meterDrAuthorisations', {
      token: sessionToken,
      accessKey: access.key,
      params: { id: meterId },
    });
    return res.authorisations
      .filter((a) => a.expiresAtMs > this.o.clock())
      .map((a) => ({
        id: a.id,
        action: a.action,
        loadLimitW: a.loadLimitW,
        issuedBy: a.issuedByName.slice(0, 128),
        expiresAtMs: a.expiresAtMs,
      }));
  }

  async detail(meterId: string, sessionToken: string): Promise<Omit<MeterDetailView, 'drAuthorised'>> {
    const access = this.requireAccess();
    const now = this.o.clock();
    const [res, usable] = await Promise.all([
      this.o.client.call('meterReadings', {
        token: sessionToken,
        accessKey: access.key,
        params: { id: meterId },
        query: { fromMs: Math.max(0, now - DAY_MS), toMs: now + 1 },
      }),
      this.usableAuthorisations(meterId, sessionToken),
    ]);
    // The view shows who authorised what until when; the ids stay in the engine.
    const drAuthorisations = usable.slice(0, 32).map(({ id: _id, ...view }) => view);
    const newest = [...res.readings].sort((a, b) => b.readAtMs - a.readAtMs)[0];
    if (newest === undefined)
      return {
        meterId,
        fetchedAtMs: now,
        registerKWh: null,
        instantaneousPowerW: null,
        currentA: { r: null, t: null },
        halfHourly: [],
        drAuthorisations,
      };
    const normal = newest.registers.find((r) => r.register === 'normal');
    return {
      meterId,
      drAuthorisations,
      fetchedAtMs: now,
      registerKWh:
        normal === undefined ? null : energyKWh(normal.raw, normal.coefficient, normal.unitExponent),
      instantaneousPowerW: newest.instantaneousPowerW,
      currentA: {
        r: newest.currentRDeciampere === null ? null : newest.currentRDeciampere / 10,
        t: newest.currentTDeciampere === null ? null : newest.currentTDeciampere / 10,
      },
      halfHourly: normal === undefined ? [] : this.halfHourly(newest.history, normal),
    };
  }

  async demandResponse(meterId: string, action: DrAction, sessionToken: string): Promise<DrResultView> {
    const access = this.requireAccess();
    const at = this.o.clock();
    const limitW = action.action === 'load-limit' ? action.limitW : null;
    const authorisationId =
      (await this.usableAuthorisations(meterId, sessionToken)).find(
        (a) => a.action === action.action && a.loadLimitW === limitW,
      )?.id ?? null;
    if (authorisationId === null)
      return {
        meterId,
        action,
        outcome: 'refused',
        detail: 'no supervisor authorisation for this action on this meter',
        atMs: at,
      };
    const res = await this.o.client.call('drCommand', {
      token: sessionToken,
      accessKey: access.key,
      params: { id: meterId },
      body: {
        authorisationId,
        action: action.action,
        ...(action.action === 'load-limit' ? { loadLimitW: action.limitW } : {}),
      },
    });
    const detail =
      res.outcome === 'confirmed'
        ? res.switchState !== null
          ? `the meter reports it is ${res.switchState}`
          : null
        : `the meter did not confirm (${res.outcome})`;
    return {
      meterId,
      action,
      outcome:
        res.outcome === 'confirmed'
          ? 'confirmed'
          : res.outcome === 'rejected-by-meter'
            ? 'refused'
            : 'failed',
      detail,
      atMs: res.atMs,
    };
  }

  private halfHourly(
    history: readonly { register: 'normal' | 'reverse'; day: string; slots: readonly (number | null)[] }[],
    scale: { coefficient: number; unitExponent: number },
  ): HalfHourView[] {
    const days = [...history]
      .filter((h) => h.register === 'normal')
      .sort((a, b) => a.day.localeCompare(b.day))
      .slice(-(this.o.historyDays ?? DEFAULT_HISTORY_DAYS));
    const out: HalfHourView[] = [];
    for (const h of days) {
      const dayStart = Date.parse(`${h.day}T00:00:00${JST_OFFSET}`);
      if (!Number.isFinite(dayStart)) continue;
      // Each slot is the cumulative register at that half hour (ECHONET Lite EPC 0xE2); a
      // half hour's energy is the step to the next slot.
      for (let i = 0; i + 1 < h.slots.length; i++) {
        const a = h.slots[i];
        const b = h.slots[i + 1];
        const kWh =
          a === null || a === undefined || b === null || b === undefined || b < a
            ? null
            : energyKWh(b - a, scale.coefficient, scale.unitExponent);
        out.push({ startMs: dayStart + i * HALF_HOUR_MS, kWh });
      }
    }
    return out.slice(-48 * 14);
  }

  private requireAccess(): Access {
    if (this.access === null)
      throw new HeadendError('refused', 'no access grant for this job yet: a supervisor must approve it');
    return this.access;
  }
}

/** energy = raw × coefficient × 10^unitExponent kWh (src/headend/storage/repositories.ts). */
function energyKWh(raw: number, coefficient: number, unitExponent: number): number {
  return Math.max(0, raw * coefficient * 10 ** unitExponent);
}
