import { useState, type FormEvent } from 'react';
import { request } from '../store.ts';
import { useStrings } from '../use-strings.ts';

export function SignIn() {
  const t = useStrings();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (username === '' || password === '') return;
    setBusy(true);
    setError(null);
    const reply = await request({ type: 'sign-in', username, password });
    setBusy(false);
    // The password leaves memory as soon as the engine has answered.
    setPassword('');
    if (!reply.ok) setError(t.errors[reply.code]);
  };

  return (
    <section className="card sign-in" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">{t.signIn}</h2>
      <form onSubmit={(e) => void submit(e)}>
        <label>
          {t.userName}
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
          />
        </label>
        <label>
          {t.password}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? t.signingIn : t.signIn}
        </button>
        {error !== null && (
          <p role="alert" className="error">
            <span aria-hidden="true">⚠ </span>
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
