/**
 * Serves the supervisor console (static/): one HTML page, its script and its style sheet, read
 * once at start-up. The page is plain HTML/CSS/JS with no inline script or style, so the Content
 * Security Policy can forbid both (CSP Level 3: `script-src 'self'`, `style-src 'self'`, no
 * 'unsafe-inline'); it talks only to this origin's API (`connect-src 'self'`), cannot be framed
 * (`frame-ancestors 'none'`) and submits forms nowhere (`form-action 'none'`).
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

export const CONSOLE_PATH = '/console/';

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ASSETS = [
  { url: CONSOLE_PATH, file: 'index.html', type: 'text/html; charset=utf-8' },
  { url: `${CONSOLE_PATH}console.js`, file: 'console.js', type: 'text/javascript; charset=utf-8' },
  { url: `${CONSOLE_PATH}console.css`, file: 'console.css', type: 'text/css; charset=utf-8' },
] as const;

export function registerConsole(app: FastifyInstance): void {
  for (const asset of ASSETS) {
    const body = readFileSync(new URL(`./static/${asset.file}`, import.meta.url));
    app.get(asset.url, (_request, reply) =>
      reply
        .header('content-type', asset.type)
        .header('content-security-policy', CONSOLE_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-store')
        .send(body),
    );
  }
  app.get('/console', (_request, reply) => reply.redirect(CONSOLE_PATH, 308));
}
