/**
 * The renderer's Content-Security-Policy, the same in Electron and the web shell: only the
 * app's own scripts and styles, no eval, no inline script, no remote content. The WebSocket to
 * the web shell is same-origin (`connect-src 'self'` covers ws: on the same host and port in
 * CSP Level 3; `ws:` is not granted to other hosts).
 */
export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
