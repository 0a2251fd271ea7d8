import { useApp } from '../store.ts';
import { useStrings } from '../use-strings.ts';

export function Enrolment() {
  const t = useStrings();
  const enrolment = useApp((s) => s.enrolment);
  const unavailable = useApp((s) => s.unavailable);
  return (
    <section className="card" aria-labelledby="enrolment-title">
      <h2 id="enrolment-title">{t.enrolment}</h2>
      {enrolment !== null && (
        <dl>
          <dt>{t.enrolment}</dt>
          <dd data-state={enrolment.state}>
            {t.enrolmentState[enrolment.state]}
            {enrolment.deviceId !== null && ` — ${enrolment.deviceId}`}
          </dd>
          <dt>{t.vaultLabel}</dt>
          <dd>{t.vault[enrolment.vault]}</dd>
        </dl>
      )}
      {unavailable.length > 0 && (
        <div className="unavailable">
          <p>{t.notAvailable}:</p>
          <ul>
            {unavailable.map((u) => (
              <li key={u}>{u}</li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
