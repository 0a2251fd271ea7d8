import { request, useApp } from '../store.ts';
import { useStrings } from '../use-strings.ts';

/** States that explain themselves: what happened and what to do, in words and an icon. */
export function Alerts() {
  const t = useStrings();
  const alerts = useApp((s) => s.alerts);
  const port = useApp((s) => s.port);
  return (
    <div className="alerts">
      {port === 'lost' && (
        <div role="alert" className="alert">
          <strong>
            <span aria-hidden="true">⛔ </span>
            {t.connectionLost}
          </strong>
        </div>
      )}
      {alerts.map((a) => {
        const words = t.alerts[a.kind];
        return (
          <div key={a.kind} role="alert" className={`alert alert-${a.kind}`} data-alert={a.kind}>
            <strong>
              <span aria-hidden="true">⛔ </span>
              {words.title}
            </strong>
            <p>{words.what}</p>
            {a.detail !== null && <p className="detail">{a.detail}</p>}
            <p>
              <strong>{words.todo}</strong>
            </p>
            {a.kind === 'headend-unreachable' && (
              <button
                type="button"
                onClick={() => void request({ type: 'alert.dismiss', kind: 'headend-unreachable' })}
              >
                {t.dismiss}
              </button>
            )}
          </div>
        );
      })}
    </div>
  );
}
