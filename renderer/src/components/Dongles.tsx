import { request, useApp } from '../store.ts';
import { useStrings } from '../use-strings.ts';

export function Dongles() {
  const t = useStrings();
  const dongles = useApp((s) => s.dongles);
  return (
    <section className="card" aria-labelledby="dongles-title">
      <h2 id="dongles-title">{t.dongles}</h2>
      {dongles.length === 0 && <p>{t.noDongles}</p>}
      <ul className="dongles">
        {dongles.map((d) => (
          <li key={d.path} data-status={d.status}>
            <button
              type="button"
              aria-pressed={d.selected}
              disabled={d.status === 'unplugged'}
              onClick={() => void request({ type: 'dongle.select', path: d.path })}
            >
              <span aria-hidden="true">{d.selected ? '◉ ' : '○ '}</span>
              {t.useDongle(d.label)}
            </button>
            <span className="status-text">
              {t.dongleStatus[d.status]}
              {d.selected && ` · ${t.selected}`}
            </span>
            <span>
              {t.firmware}: {d.firmware ?? t.unknownValue} · {t.channel}: {d.channel ?? t.unknownValue} ·{' '}
              {d.panId !== undefined && d.panId !== null && (
                <>
                  {t.panId}: 0x{d.panId.toString(16).padStart(4, '0')} ·{' '}
                </>
              )}
              {t.rssi}: {d.rssiDbm === null ? t.unknownValue : `${String(d.rssiDbm)} dBm`}
            </span>
            {d.error !== null && <span className="error">{d.error}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
