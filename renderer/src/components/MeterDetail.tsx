/** One meter's values, fetched from the head-end when opened and dropped when closed. */
import { useState } from 'react';
import type { DrAction, DrAuthorisationView } from '../../../src/contract/app/index.ts';
import { closeMeter, request, useApp } from '../store.ts';
import { useStrings } from '../use-strings.ts';

export function MeterDetail() {
  const t = useStrings();
  const open = useApp((s) => s.detailOpen);
  const detail = useApp((s) => s.detail);
  const drResult = useApp((s) => s.drResult);
  const session = useApp((s) => s.session);
  const lastError = useApp((s) => s.lastError);
  const [confirming, setConfirming] = useState<DrAction | null>(null);
  const [drError, setDrError] = useState<string | null>(null);
  if (open === null) return null;

  const mayDr =
    session.state === 'signed-in' && session.mayIssueDemandResponse && detail?.drAuthorised === true;
  /** The supervisor's authorisation of this action, the longest-lived first; undefined when none. */
  const authorisation = (action: DrAuthorisationView['action']) =>
    (detail?.drAuthorisations ?? [])
      .filter((a) => a.action === action)
      .sort((a, b) => b.expiresAtMs - a.expiresAtMs)[0];
  const actionName = (a: DrAction) =>
    a.action === 'disconnect'
      ? t.drDisconnect
      : a.action === 'reconnect'
        ? t.drReconnect
        : `${t.drLoadLimit} ${String(a.limitW)} W`;
  const execute = async (action: DrAction) => {
    setConfirming(null);
    setDrError(null);
    const reply = await request({ type: 'dr.execute', meterId: open, action, confirmed: true });
    if (!reply.ok) setDrError(t.errors[reply.code]);
    // The authorisation is used up now: fetch the meter again so the buttons say so.
    else void request({ type: 'meter.open', meterId: open });
  };
  const drRow = (kind: DrAuthorisationView['action'], label: string) => {
    const auth = authorisation(kind);
    const limitW = auth?.loadLimitW ?? null;
    const action: DrAction | null =
      auth === undefined
        ? null
        : kind === 'load-limit'
          ? limitW !== null && limitW >= 100 && limitW <= 100_000
            ? { action: 'load-limit', limitW }
            : null
          : { action: kind };
    const usable = mayDr && action !== null;
    const id = `dr-state-${kind}`;
    return (
      <li key={kind} className="dr-action" data-authorised={usable}>
        <button
          type="button"
          disabled={!usable}
          aria-describedby={id}
          onClick={() => action !== null && setConfirming(action)}
        >
          {label}
        </button>
        <span id={id} className="dr-state">
          {usable && auth !== undefined ? (
            <>
              <span aria-hidden="true">✔ </span>
              {t.drAuthorisedBy(auth.issuedBy, new Date(auth.expiresAtMs).toLocaleString())}
              {limitW !== null && ` (${t.drLimitAuthorised(limitW)})`}
            </>
          ) : (
            <>
              <span aria-hidden="true">✖ </span>
              {mayDr ? t.drNotAuthorisedFor(t.drActionWords[kind], open) : t.drNotAuthorised}
            </>
          )}
        </span>
      </li>
    );
  };

  return (
    <section className="card detail" aria-labelledby="detail-title">
      <div className="row">
        <h2 id="detail-title">{t.meterDetail(open)}</h2>
        <button type="button" onClick={closeMeter}>
          {t.close}
        </button>
      </div>
      {detail === null ? (
        <p>{lastError === null ? t.loading : t.errors[lastError]}</p>
      ) : (
        <>
          <dl className="values">
            <dt>{t.register}</dt>
            <dd data-value="register">{detail.registerKWh ?? '–'}</dd>
            <dt>{t.power}</dt>
            <dd data-value="power">{detail.instantaneousPowerW ?? '–'}</dd>
            <dt>{t.current}</dt>
            <dd data-value="current">
              {detail.currentA.r ?? '–'} / {detail.currentA.t ?? '–'}
            </dd>
          </dl>
          <HalfHourChart title={t.halfHourly} points={detail.halfHourly} />
          <p className="note">{t.fetchedAt(new Date(detail.fetchedAtMs).toLocaleString())}</p>
        </>
      )}
      <section aria-labelledby="dr-title">
        <h3 id="dr-title">{t.dr}</h3>
        <ul className="dr-actions">
          {drRow('disconnect', t.drDisconnect)}
          {drRow('reconnect', t.drReconnect)}
          {drRow('load-limit', t.drLoadLimit)}
        </ul>
        {confirming !== null && (
          <div role="alertdialog" aria-modal="true" aria-labelledby="dr-confirm-title" className="confirm">
            <h4 id="dr-confirm-title">{t.drConfirmTitle}</h4>
            <p>{t.drConfirmText(actionName(confirming), open)}</p>
            <div className="row">
              <button type="button" onClick={() => void execute(confirming)}>
                {t.confirm}
              </button>
              <button type="button" onClick={() => setConfirming(null)}>
                {t.cancel}
              </button>
            </div>
          </div>
        )}
        {drError !== null && (
          <p role="alert" className="error">
            {drError}
          </p>
        )}
        {drResult !== null && drResult.meterId === open && (
          <p role="status" data-outcome={drResult.outcome}>
            {actionName(drResult.action)}: {t.drOutcome[drResult.outcome]}
            {drResult.detail !== null && ` — ${drResult.detail}`}
          </p>
        )}
      </section>
    </section>
  );
}

function HalfHourChart({
  title,
  points,
}: {
  title: string;
  points: readonly { startMs: number; kWh: number | null }[];
}) {
  const width = 672;
  const height = 160;
  const max = Math.max(0.001, ...points.map((p) => p.kWh ?? 0));
  const bar = width / Math.max(1, points.length);
  const total = points.reduce((acc, p) => acc + (p.kWh ?? 0), 0);
  return (
    <figure>
      <figcaption>{title}</figcaption>
      <svg
        viewBox={`0 0 ${String(width)} ${String(height)}`}
        className="chart"
        role="img"
        aria-label={`${title}: ${String(points.length)} × 30 min, Σ ${total.toFixed(2)} kWh, max ${max.toFixed(2)} kWh`}
      >
        {points.map((p, i) =>
          p.kWh === null ? null : (
            <rect
              key={p.startMs}
              x={i * bar}
              y={height - (p.kWh / max) * height}
              width={Math.max(1, bar - 1)}
              height={(p.kWh / max) * height}
              className="bar"
            />
          ),
        )}
      </svg>
    </figure>
  );
}
