/**
 * Runs the benchmarks: `npm run bench` runs all, `npm run bench -- codec` runs one.
 * Each benchmark prints its conditions and figures; none asserts timing (timing is not a test).
 */
const benches: Record<string, () => Promise<{ run(): Promise<void> | void }>> = {
  codec: () => import('./codec.ts'),
  medium: () => import('./medium.ts'),
  join: () => import('./join.ts'),
  driver: () => import('./driver.ts'),
  headend: () => import('./headend.ts'),
  vpn: () => import('./vpn.ts'),
  ui: () => import('./ui.ts'),
};

const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : Object.keys(benches);
for (const name of names) {
  const load = benches[name];
  if (!load) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  const bench = await load();
  await bench.run();
}
