#!/usr/bin/env node
// Bundles the Electron main process and preload into main/dist (CommonJS, as Electron loads
// them): the engine and contract are bundled in; Electron and native modules stay external.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const external = ['electron', 'serialport', '@serialport/*', 'keytar', 'better-sqlite3'];
const common = {
  bundle: true,
  format: 'cjs',
  target: 'node22',
  external,
  logLevel: 'warning',
  sourcemap: false,
};
await build({
  ...common,
  platform: 'node',
  entryPoints: [`${root}main/electron/main.ts`],
  outfile: `${root}main/dist/main.cjs`,
});
await build({
  ...common,
  platform: 'node',
  entryPoints: [`${root}main/electron/preload.ts`],
  outfile: `${root}main/dist/preload.cjs`,
});
console.error('main process built into main/dist');
