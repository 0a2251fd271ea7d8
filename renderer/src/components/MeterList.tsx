/**
 * The meter list, virtualised: only the rows in view are in the DOM, and only the page around
 * them is fetched from the engine, so 1,000 meters scroll like 20.
 */
import { useEffect, useState } from 'react';
import { MeterFilter } from '../../../src/contract/app/index.ts';
import { openMeter, refreshMeters, useApp } from '../store.ts';
import { useStrings } from '../use-strings.ts';

const ROW_PX = 56;
const VIEW_ROWS = 8;
const PAGE = 60;

export function MeterList() {
  const t = useStrings();
  const query = useApp((s) => s.meterQuery);
  const page = useApp((s) => s.meterPage);
  const [scrollTop, setScrollTop] = useState(0);

  const first = Math.floor(scrollTop / ROW_PX);
  useEffect(() => {
    // Refetch when the view nears the edge of the page held in memory.
    const wanted = Math.max(0, first - (PAGE - VIEW_ROWS) / 2);
    if (first < query.offset || first + VIEW_ROWS > query.offset + PAGE) {
      useApp.setState({ meterQuery: { ...query, offset: wanted } });
      refreshMeters();
    }
  }, [first, query]);

  const setQuery = (patch: Partial<typeof query>) => {
    useApp.setState({ meterQuery: { ...query, ...patch, offset: 0 } });
    setScrollTop(0);
    refreshMeters();
  };

  const visible = page.rows.filter((_, i) => {
    const index = page.offset + i;
    return index >= first - 2 && index < first + VIEW_ROWS + 2;
  });

  return (
    <section className="card" aria-labelledby="meters-title">
      <h2 id="meters-title">
        {t.meters} ({page.total})
      </h2>
      <div className="row">
        <label>
          {t.search}
          <input
            type="search"
            value={query.search}
            placeholder={t.searchPlaceholder}
            maxLength={64}
            onChange={(e) => setQuery({ search: e.target.value })}
          />
        </label>
        <label>
          {t.filter}
          <select
            value={query.filter}
            onChange={(e) => setQuery({ filter: MeterFilter.parse(e.target.value) })}
          >
            {MeterFilter.options.map((f) => (
              <option key={f} value={f}>
                {t.filters[f]}
              </option>
            ))}
          </select>
        </label>
      </div>
      {page.total === 0 ? (
        <p>{t.noMeters}</p>
      ) : (
        <div
          className="meter-scroll"
          style={{ height: `${String(ROW_PX * VIEW_ROWS)}px` }}
          onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
          role="list"
          aria-label={t.meters}
        >
          <div style={{ height: `${String(page.total * ROW_PX)}px`, position: 'relative' }}>
            {visible.map((m) => {
              const index = page.offset + page.rows.indexOf(m);
              return (
                <div
                  key={m.meterId}
                  role="listitem"
                  className="meter-row"
                  data-join={m.join}
                  data-read={m.read}
                  style={{ top: `${String(index * ROW_PX)}px`, height: `${String(ROW_PX)}px` }}
                >
                  <button
                    type="button"
                    onClick={() => openMeter(m.meterId)}
                    aria-label={t.openMeter(m.meterId)}
                  >
                    {m.meterId}
                    {/* Second line of the first cell: the row keeps its columns (app.css). */}
                    <span data-value="eui64" className="meter-eui64">
                      {t.eui64} {m.eui64 ?? t.unknownValue}
                    </span>
                  </button>
                  <span data-value="join">{t.joinState[m.join]}</span>
                  <span data-value="read">{t.readState[m.read]}</span>
                  <span data-value="hops">
                    {t.hops}: {m.hops ?? '–'}
                    {m.linkEtx !== undefined && m.linkEtx !== null && (
                      <span className="meter-etx">
                        {t.linkQuality} {m.linkEtx.toFixed(1)}
                      </span>
                    )}
                  </span>
                </div>
              );
            })}
          </div>
        </div>
      )}
    </section>
  );
}
