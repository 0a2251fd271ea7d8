import { useEffect } from 'react';
import { Alerts } from './components/Alerts.tsx';
import { Dongles } from './components/Dongles.tsx';
import { Enrolment } from './components/Enrolment.tsx';
import { Job } from './components/Job.tsx';
import { MeshView } from './components/MeshView.tsx';
import { MeterDetail } from './components/MeterDetail.tsx';
import { MeterList } from './components/MeterList.tsx';
import { SettingsPanel } from './components/SettingsPanel.tsx';
import { SignIn } from './components/SignIn.tsx';
import { request, useApp } from './store.ts';
import { useStrings } from './use-strings.ts';

export function App() {
  const t = useStrings();
  const session = useApp((s) => s.session);
  const settings = useApp((s) => s.settings);
  const job = useApp((s) => s.job);

  useEffect(() => {
    document.documentElement.lang = settings.language;
    document.documentElement.dataset.theme = settings.theme;
  }, [settings.language, settings.theme]);

  const running = job.state === 'starting' || job.state === 'running' || job.state === 'ending';
  return (
    <>
      <header className="top">
        <h1>{t.appTitle}</h1>
        {session.state === 'signed-in' && (
          <>
            <span>{t.signedInAs(session.username, session.role)}</span>
            <button type="button" disabled={running} onClick={() => void request({ type: 'sign-out' })}>
              {t.signOut}
            </button>
          </>
        )}
      </header>
      <Alerts />
      <main>
        {session.state === 'signed-out' ? (
          <div className="columns">
            <SignIn />
            <SettingsPanel />
          </div>
        ) : (
          <div className="columns">
            <div className="column">
              <Job />
              <Dongles />
              <Enrolment />
              <SettingsPanel />
            </div>
            <div className="column">
              <MeterDetail />
              <MeterList />
              <MeshView />
            </div>
          </div>
        )}
      </main>
    </>
  );
}
