/**
 * Runs a synchronous better-sqlite3 call and hands its result (or its exception) back as a
 * settled Promise, so the SQLite repositories satisfy the async repository interfaces and a
 * thrown SqliteError becomes a rejection rather than a synchronous throw.
 */
export function settle<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
