#!/usr/bin/env node
// Builds the renderer into renderer/dist with esbuild: one ES module bundle (React, zustand,
// zod, the contract), the stylesheet and index.html. No inline script, so the strict CSP holds.
// Flags: --dev (unminified, React development build), --out <dir> (default renderer/dist).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outFlag = process.argv.indexOf('--out');
const out = outFlag === -1 ? `${root}renderer/dist` : process.argv[outFlag + 1];
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [`${root}renderer/src/main.tsx`],
  outfile: `${out}/app.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome120'],
  jsx: 'automatic',
  minify: !process.argv.includes('--dev'),
  sourcemap: false,
  define: { 'process.env.NODE_ENV': process.argv.includes('--dev') ? '"development"' : '"production"' },
  logLevel: 'warning',
});
copyFileSync(`${root}renderer/index.html`, `${out}/index.html`);
copyFileSync(`${root}renderer/app.css`, `${out}/app.css`);
console.error(`renderer built into ${out}`);
