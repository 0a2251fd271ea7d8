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

function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(s / 60);
  return `${String(m)}:${String(s % 60).padStart(2, '0')}`;
}
