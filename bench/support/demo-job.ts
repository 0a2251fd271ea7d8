/**
 * One demo job, timed as a worker sees it: the e2e harness (test/e2e/app/field-app-harness.ts —
 * head-end and `fieldroot sim --pty` for isolated-area-20 as their own processes, the web shell
 * with the demo's ephemeral vault, Chromium) in demo mode (the demo supervisor approves the grant,
 * as `npm run demo` does). The demo worker signs in, picks the pseudo-terminal dongle and presses
 * "Start job"; the clock stops when the status region "Job progress" reads "20 of 20 meters read".
 *
 * Step completions and the joined count are recorded in the page by a MutationObserver (the
 * moment the DOM changed, not when this process polled), on the page's clock, which is the
 * same wall clock as this process's `Date.now()`.
 */
import { FieldAppHarness, SCENARIO } from '../../test/e2e/app/field-app-harness.ts';

export const METERS = 20;

export interface DemoJobTiming {
  /** "Start job" clicked → "20 of 20 meters read" shown, ms; null if it gave up. */
  startToReadMs: number | null;
  /** Per stepper step (by its label), ms from the click to the step showing "done"; null if never. */
  stepDoneMs: { step: string; ms: number | null }[];
  /** The joined count shown at these many seconds after the click (null: the run ended before). */
  joinedAt: { seconds: number; joined: number | null }[];
  /** What the app showed when it gave up (empty when it did not). */
  gaveUp: string;
}

/** Installed in the page: records when each step first showed "done" and every joined count. */
const OBSERVER = `(() => {
  const rec = { done: {}, joined: [] };
  window.__benchJob = rec;
  const scan = () => {
    const now = Date.now();
    for (const li of document.querySelectorAll('.stepper li')) {
      const name = li.querySelector('.step-name')?.textContent ?? '?';
      if (li.getAttribute('data-status') === 'done' && !(name in rec.done)) rec.done[name] = now;
    }
    const text = document.querySelector('.progress-text')?.textContent ?? '';
    const m = /(\\d+) of \\d+ meters joined/.exec(text);
    if (m) {
      const n = Number(m[1]);
      const last = rec.joined[rec.joined.length - 1];
      if (!last || last[1] !== n) rec.joined.push([now, n]);
    }
  };
  new MutationObserver(scan).observe(document.body, {
    subtree: true, childList: true, attributes: true, characterData: true,
  });
  scan();
})()`;

interface Recorded {
  done: Record<string, number>;
  joined: [number, number][];
}

const CHECKPOINTS_S = [60, 120, 180];

/** Runs one demo job from a fresh head-end, simulator and app; gives up after `limitMs`. */
export async function timeDemoJob(limitMs: number): Promise<DemoJobTiming> {
  const h = new FieldAppHarness();
  try {
    await h.start('web', 'demo');
    const page = h.page!;
    await page.evaluate(OBSERVER);
    const started = await h.signInAndStart(page);
    // signInAndStart marks the moment before the click on performance.now(); moved onto the wall
    // clock the page's observer uses.
    const clickedAt = Date.now() - (performance.now() - started);
    const steps = await page.locator('.stepper li .step-name').allTextContents();
    const progress = page.getByRole('status', { name: 'Job progress' });
    let gaveUp = '';
    let startToReadMs: number | null = null;
    try {
      await progress.filter({ hasText: `${String(METERS)} of ${String(METERS)} meters read` }).waitFor({
        timeout: limitMs,
      });
      startToReadMs = Date.now() - clickedAt;
    } catch {
      gaveUp = (await page.locator('main, body').first().innerText()).replace(/\s+/g, ' ').slice(0, 1200);
    }
    const endedAt = Date.now();
    const rec: Recorded = await page.evaluate('window.__benchJob');
    const names = steps.length > 0 ? steps : Object.keys(rec.done);
    return {
      startToReadMs,
      stepDoneMs: names.map((step) => {
        const at = rec.done[step];
        return { step, ms: at === undefined ? null : at - clickedAt };
      }),
      joinedAt: CHECKPOINTS_S.map((seconds) => {
        const at = clickedAt + seconds * 1000;
        if (at > endedAt) return { seconds, joined: null };
        const seen = rec.joined.filter(([t]) => t <= at).pop();
        return { seconds, joined: seen === undefined ? 0 : seen[1] };
      }),
      gaveUp,
    };
  } finally {
    await h.close();
  }
}

export { SCENARIO };
