import { useState } from 'react';
import { Language, Theme, UsbIdText } from '../../../src/contract/app/index.ts';
import { request, useApp } from '../store.ts';
import { useStrings } from '../use-strings.ts';

export function SettingsPanel() {
  const t = useStrings();
  const settings = useApp((s) => s.settings);
  const [allowText, setAllowText] = useState(settings.dongleAllowList.join('\n'));
  const [error, setError] = useState<string | null>(null);

  const update = async (patch: Partial<typeof settings>) => {
    setError(null);
    const reply = await request({ type: 'settings.update', settings: { ...settings, ...patch } });
    if (!reply.ok) setError(t.errors[reply.code]);
  };
  const saveAllowList = () => {
    const ids = allowText
      .split(/\s+/)
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== '');
    const bad = ids.find((id) => !UsbIdText.safeParse(id).success);
    if (bad !== undefined) {
      setError(`${bad}: vendor:product (xxxx:xxxx)`);
      return;
    }
    void update({ dongleAllowList: ids });
  };

  return (
    <section className="card" aria-labelledby="settings-title">
      <h2 id="settings-title">{t.settings}</h2>
      <div className="row">
        <label>
          {t.language}
          <select
            value={settings.language}
            onChange={(e) => void update({ language: Language.parse(e.target.value) })}
          >
            <option value="en">English</option>
            <option value="ja">日本語</option>
          </select>
        </label>
        <label>
          {t.theme}
          <select
            value={settings.theme}
            onChange={(e) => void update({ theme: Theme.parse(e.target.value) })}
          >
            {Theme.options.map((th) => (
              <option key={th} value={th}>
                {t.themes[th]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label className="block">
        {t.allowList}
        <textarea rows={3} value={allowText} onChange={(e) => setAllowText(e.target.value)} />
      </label>
      <button type="button" onClick={saveAllowList}>
        {t.saveSettings}
      </button>
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}
