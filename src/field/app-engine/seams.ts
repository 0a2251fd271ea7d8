/**
 * Where the rest of the tool plugs into the app engine. Each is an interface the owner of that
 * piece implements; the host (Electron main, the web shell, the demo) passes what exists, and
 * the engine tells the UI plainly which pieces are missing (`SnapshotView.unavailable`).
 *
 * - `JobDriver`: src/field/job — provision → VPN → tool authentication → network key → mesh root
 *   → meters joining → meters read; revocation wipes and stops with a reason.
 * - `MeterData`: read results and DR through the head-end AMR/DR API, fetched per view.
 * - `EnrolmentSource`: the credential vault (src/field/vault, main/vault).
 * - `GrantKeys`: the verification key a supervisor reads to the worker (grant-hand-over.ts).
 * - Dongles are pushed by the host (`AppEngine.updateDongles`) from hardware/ports.
 */
import type {
  AlertKind,
  DrAction,
  DrResultView,
  EnrolmentView,
  GrantKeyError,
  GrantView,
  JobStepName,
  JobStepView,
  MeshNodeView,
  MeterDetailView,
  MeterJoinState,
  MeterReadState,
} from '../../contract/app/index.ts';

export interface JobStartRequest {
  readonly workOrderId: string | null;
  readonly donglePath: string;
  /** The worker's head-end session token: held in memory, never written anywhere. */
  readonly sessionToken: string;
}

export interface MeterState {
  readonly meterId: string;
  readonly eui64: string | null;
  readonly join: MeterJoinState;
  readonly read: MeterReadState;
  readonly hops: number | null;
  /** ETX of the meter's link to its parent when the root measures it (parent = the tool). */
  readonly linkEtx?: number | null;
  readonly drAuthorised: boolean;
  /** Why a meter failed, for the summary's exceptions. */
  readonly failure?: string;
}

/** What a running job reports; the engine turns each call into UI events. */
export interface JobObserver {
  step(
    step: JobStepName,
    status: JobStepView['status'],
    progress?: number | null,
    detail?: string | null,
  ): void;
  /** The meters of the work order and their states; call again with changed rows only. */
  meters(rows: readonly MeterState[], total?: number): void;
  /** The dongle is tuned to the job's channel and PAN ID (shown in the dongle status). */
  radio(tuning: { readonly channel: number; readonly panId: number }): void;
  /** The job's dongle answered (its firmware as reported) or went away (null). */
  dongleFirmware(firmware: string | null): void;
  /** The whole current topology (root first). The engine pages it for the UI. */
  topology(nodes: readonly MeshNodeView[]): void;
  alert(kind: AlertKind, detail?: string | null): void;
  clearAlert(kind: AlertKind): void;
  /** The job stopped on its own (revocation, a step that cannot go on): keys already wiped. */
  stopped(reason: string): void;
}

export interface JobHandle {
  /** Ends the job: wipes the network key and every reading from memory, closes the VPN. */
  end(): Promise<void>;
}

export interface JobDriver {
  start(request: JobStartRequest, observer: JobObserver): JobHandle;
}

export interface MeterData {
  /** Fetches the meter's latest values from the head-end now; nothing is cached. */
  detail(meterId: string, sessionToken: string): Promise<Omit<MeterDetailView, 'drAuthorised'>>;
  demandResponse(meterId: string, action: DrAction, sessionToken: string): Promise<DrResultView>;
}

export interface EnrolmentSource {
  current(): Promise<EnrolmentView>;
}

export type KeySubmission =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: GrantKeyError | 'no-grant' };

/** Where the worker's verification key goes, and what the UI shows of the job's grant. */
export interface GrantKeys {
  current(): GrantView;
  onChange(listener: (view: GrantView) => void): () => void;
  /** Resolves when the head-end has accepted or refused the key. */
  submit(verificationKey: string): Promise<KeySubmission>;
  /** The job is over: nothing waits for a key any more. */
  reset(): void;
}
