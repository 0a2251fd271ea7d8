import { useState } from 'react';
import { request, useApp } from '../store.ts';
import { useStrings } from '../use-strings.ts';

const STEP_ICON = { pending: '○', active: '◔', done: '✔', failed: '✖' } as const;

export function Job() {
  const t = useStrings();
  const job = useApp((s) => s.job);
  const summary = useApp((s) => s.summary);
  const [error, setError] = useState<string | null>(null);
  const running = job.state === 'starting' || job.state === 'running' || job.state === 'ending';

  const start = async () => {
    setError(null);
    const reply = await request({ type: 'job.start', workOrderId: null });
    if (!reply.ok) setError(t.errors[reply.code]);
  };
  const end = async () => {
    setError(null);
    const reply = await request({ type: 'job.end' });
    if (!reply.ok) setError(t.errors[reply.code]);
  };

  return (
    <section className="card" aria-labelledby="job-title">
      <h2 id="job-title">{t.job}</h2>
      <div className="row">
        <button type="button" onClick={() => void start()} disabled={running}>
          {t.startJob}
        </button>
        <button type="button" onClick={() => void end()} disabled={!running || job.state === 'ending'}>
          {t.endJob}
        </button>
      </div>
      {error !== null && (
        <p role="alert" className="error">
          <span aria-hidden="true">⚠ </span>
          {error}
        </p>
      )}
      <ol className="stepper">
        {job.steps.map((s) => (
          <li key={s.step} data-status={s.status} aria-current={s.status === 'active' ? 'step' : undefined}>
            <span aria-hidden="true" className="step-icon">
              {STEP_ICON[s.status]}
            </span>
            <span className="step-name">{t.steps[s.step]}</span>
            <span className="step-status">
              {t.stepStatus[s.status]}
              {s.progress !== null && s.status === 'active' && ` ${String(Math.round(s.progress * 100))}%`}
            </span>
            {s.progress !== null && (
              <progress
                max={1}
                value={s.progress}
                aria-label={`${t.steps[s.step]} ${t.stepStatus[s.status]}`}
              />
            )}
            {s.detail !== null && <span className="step-detail">{s.detail}</span>}
          </li>
        ))}
      </ol>
      <Grant />
      <div role="status" aria-label={t.jobProgress} className="progress-text">
        <p>{t.metersRead(job.metersRead, job.metersTotal)}</p>
        <p>{t.metersJoined(job.metersJoined, job.metersTotal)}</p>
      </div>
      {job.stopReason !== null && (
        <p className="error">
          <span aria-hidden="true">⚠ </span>
          {job.stopReason}
        </p>
      )}
      {summary !== null && !running && (
        <section aria-labelledby="summary-title" className="summary">
          <h3 id="summary-title">{t.summary}</h3>
          <dl>
            <dt>{t.summaryRead}</dt>
            <dd>{summary.read}</dd>
            <dt>{t.summaryUnread}</dt>
            <dd>{summary.unread}</dd>
            <dt>{t.summaryExceptions}</dt>
            <dd>{summary.exceptions.length}</dd>
            <dt>{t.summaryTime}</dt>
            <dd>{formatDuration(summary.endedAtMs - summary.startedAtMs)}</dd>
          </dl>
          {summary.exceptions.length > 0 && (
            <ul>
              {summary.exceptions.slice(0, 50).map((x) => (
                <li key={x.meterId}>
                  {x.meterId}: {x.reason}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </section>
  );
}

/**
 * The job's access grant: while it waits, what to quote to the supervisor, what to ask for, and
 * the field for the verification key they read out. The key lives in this form's state only
 * until it is sent (never in the store or settings).
 */
function Grant() {
  const t = useStrings();
  const grant = useApp((s) => s.grant);
  const [key, setKey] = useState('');
  const [checking, setChecking] = useState(false);
  if (grant.state === 'none') return null;
  if (grant.state === 'approved')
    return (
      <p role="status" aria-label={t.grantTitle} className="grant-approved">
        <span aria-hidden="true">✔ </span>
        {grant.demoApprovedBy !== null
          ? t.grantDemoApproved(grant.demoApprovedBy)
          : t.grantApproved(grant.grantId)}
      </p>
    );

  const submit = async () => {
    setChecking(true);
    const reply = await request({ type: 'grant.submit-key', verificationKey: key });
    setChecking(false);
    if (reply.ok) setKey('');
  };
  return (
    <section aria-labelledby="grant-title" className="grant">
      <h3 id="grant-title">
        <span aria-hidden="true">⏳ </span>
        {t.grantWaiting}
      </h3>
      <p>{t.grantQuote(grant.grantId, grant.workOrderId)}</p>
      <p>{t.grantInstructions}</p>
      {grant.error !== 'too-many-attempts' && (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <label>
            {t.verificationKey}
            <input
              type="text"
              name="verification-key"
              autoComplete="off"
              autoCapitalize="off"
              spellCheck={false}
              value={key}
              aria-describedby={grant.error !== null ? 'grant-error' : undefined}
              onChange={(e) => setKey(e.target.value)}
            />
          </label>
          <button type="submit" disabled={checking || key.trim() === ''}>
            {checking ? t.checkingKey : t.submitKey}
          </button>
        </form>
      )}
      {grant.error !== null && (
        <p role="alert" id="grant-error" className="error">
          <span aria-hidden="true">⚠ </span>
          {t.grantErrors[grant.error]}
        </p>
      )}
    </section>
  );
}

function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(s / 60);
  return `${String(m)}:${String(s % 60).padStart(2, '0')}`;
}
