/**
 * Read results and demand response through the head-end AMR/DR API (issue #5), under the access
 * grant of the job's work order:
 *
 *   POST /v1/grants (tool + worker) → a supervisor approves it and hands the worker the single-use
 *   verification key → POST /v1/grants/exchange → an access key, held in memory for the job only.
 *
 * Every detail view is fetched anew (`detail`); nothing is cached and nothing is written. The two
 * things a supervisor hands the worker — the grant's verification key and the id of a DR
 * authorisation — come through `GrantApproval` and `DrAuthorisationSource`, which the host
 * provides (see main/web-shell/field-app.ts).
 */
import type { DrAction, DrResultView, MeterDetailView } from '../../contract/app/index.ts';

type HalfHourView = MeterDetailView['halfHourly'][number];
import type { HeadendClient } from '../headend-client/index.ts';
import { HeadendError } from './headend-client.ts';
import type { MeterData } from './seams.ts';

/** The head-end calls this module makes (the tool's HeadendClient has them all). */
export type MeterDataClient = Pick<HeadendClient, 'call'>;

/** How the worker receives the verification key the approving supervisor was given. */
export interface GrantApproval {
  verificationKey(grant: { readonly grantId: string; readonly workOrderId: string }): Promise<string>;
}

/** Finds the supervisor's DR authorisation for this action on this meter; null when none. */
export interface DrAuthorisationSource {
  find(meterId: string, action: DrAction['action']): Promise<string | null>;
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
  readonly authorisations: DrAuthorisationSource;
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
    const grant = await this.o.client.call('requestGrant', { token: sessionToken, body: { workOrderId } });
    const verificationKey = await this.o.approval.verificationKey({ grantId: grant.id, workOrderId });
    const exchanged = await this.o.client.call('exchangeGrant', {
      token: sessionToken,
      body: { verificationKey },
    });
    this.access = { workOrderId, key: exchanged.accessKey, sinceMs: this.o.clock() - READ_WINDOW_SLACK_MS };
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

  async detail(meterId: string, sessionToken: string): Promise<Omit<MeterDetailView, 'drAuthorised'>> {
    const access = this.requireAccess();
    const now = this.o.clock();
    const res = await this.o.client.call('meterReadings', {
      token: sessionToken,
      accessKey: access.key,
      params: { id: meterId },
      query: { fromMs: Math.max(0, now - DAY_MS), toMs: now + 1 },
    });
    const newest = [...res.readings].sort((a, b) => b.readAtMs - a.readAtMs)[0];
    if (newest === undefined)
      return {
        meterId,
        fetchedAtMs: now,
        registerKWh: null,
        instantaneousPowerW: null,
        currentA: { r: null, t: null },
        halfHourly: [],
      };
    const normal = newest.registers.find((r) => r.register === 'normal');
    return {
      meterId,
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
    const authorisationId = await this.o.authorisations.find(meterId, action.action);
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
