/**
 * The hand-over of a grant's verification key from the approving supervisor to the tool.
 *
 * The head-end shows the single-use key once, to the supervisor who approved the grant (in the
 * console); the supervisor reads it to the worker, who types it into the app. This is the
 * `GrantApproval` the job's read results wait on: `verificationKey` publishes a waiting grant
 * (the UI asks for the key) and resolves when the worker submits one; `refused` / `accepted`
 * report what the head-end made of it, which `submit` returns to the worker's command.
 *
 * The demo (and only the demo) may hand over automatically with the demo supervisor's session;
 * the view then says who approved it so nobody mistakes it for the real flow.
 *
 * The key is held only until it is handed to the exchange: never in a view, event or log.
 */
import type { GrantKeyError, GrantView } from '../../contract/app/index.ts';
import type { GrantApproval, PendingGrant } from './headend-meter-data.ts';
import type { GrantKeys, KeySubmission } from './seams.ts';

/** The head-end's verification keys: 256-bit tokens as 43 base64url characters. */
const VERIFICATION_KEY = /^[A-Za-z0-9_-]{43}$/;

/** The demo's automatic approval: who approves, and how the key is fetched with their session. */
export interface DemoGrantApprover {
  readonly supervisor: string;
  fetchKey(grant: PendingGrant): Promise<string>;
}

interface Waiting {
  readonly grant: PendingGrant;
  resolve(key: string): void;
  reject(err: Error): void;
}

export class GrantHandOver implements GrantApproval, GrantKeys {
  private view: GrantView = { state: 'none' };
  private waiting: Waiting | null = null;
  /** The worker's submission awaiting the head-end's verdict. */
  private verdict: ((outcome: KeySubmission) => void) | null = null;
  private readonly listeners = new Set<(view: GrantView) => void>();

  constructor(private readonly demo: DemoGrantApprover | null = null) {}

  current(): GrantView {
    return this.view;
  }

  onChange(listener: (view: GrantView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  verificationKey(grant: PendingGrant): Promise<string> {
    this.waiting?.reject(new Error('a newer grant replaced this one'));
    this.publish({
      state: 'waiting',
      grantId: grant.grantId,
      workOrderId: grant.workOrderId,
      error: grant.previousError ?? null,
    });
    if (this.demo !== null && grant.previousError === undefined) return this.demo.fetchKey(grant);
    return new Promise<string>((resolve, reject) => {
      this.waiting = { grant, resolve, reject };
    });
  }

  refused(grant: PendingGrant, error: GrantKeyError): void {
    this.settle({ ok: false, error });
    if (error === 'too-many-attempts')
      this.publish({ state: 'waiting', grantId: grant.grantId, workOrderId: grant.workOrderId, error });
  }

  accepted(grant: PendingGrant): void {
    this.settle({ ok: true });
    this.publish({
      state: 'approved',
      grantId: grant.grantId,
      workOrderId: grant.workOrderId,
      demoApprovedBy: this.demo !== null && grant.previousError === undefined ? this.demo.supervisor : null,
    });
  }

  /**
   * The worker's key for the waiting grant. Resolves once the head-end has accepted or refused
   * it; a key that cannot be one is refused here without asking the head-end.
   */
  submit(key: string): Promise<KeySubmission> {
    const waiting = this.waiting;
    if (waiting === null) return Promise.resolve({ ok: false, error: 'no-grant' });
    const trimmed = key.trim();
    if (!VERIFICATION_KEY.test(trimmed)) {
      this.publish({ ...waitingView(waiting.grant), error: 'malformed' });
      return Promise.resolve({ ok: false, error: 'malformed' });
    }
    this.waiting = null;
    this.verdict?.({ ok: false, error: 'no-grant' });
    const outcome = new Promise<KeySubmission>((resolve) => {
      this.verdict = resolve;
    });
    waiting.resolve(trimmed);
    return outcome;
  }

  /** The job is over: nothing waits any more, and the view forgets the grant. */
  reset(): void {
    this.waiting?.reject(new Error('the job ended'));
    this.waiting = null;
    this.settle({ ok: false, error: 'no-grant' });
    this.publish({ state: 'none' });
  }

  private settle(outcome: KeySubmission): void {
    const verdict = this.verdict;
    this.verdict = null;
    verdict?.(outcome);
  }

  private publish(view: GrantView): void {
    this.view = view;
    for (const l of this.listeners) l(view);
  }
}

function waitingView(grant: PendingGrant): Extract<GrantView, { state: 'waiting' }> {
  return { state: 'waiting', grantId: grant.grantId, workOrderId: grant.workOrderId, error: null };
}
