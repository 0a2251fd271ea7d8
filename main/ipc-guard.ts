/**
 * Who may talk to the engine over Electron IPC: only frames showing the app's own pages,
 * served from the privileged `app://fieldroot` scheme. A frame navigated elsewhere (it cannot
 * be, but defence in depth), a subframe or a devtools page is refused.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'fieldroot';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_START_URL = `${APP_ORIGIN}/index.html`;

export interface SenderFrame {
  readonly url: string;
  /** True for the top-level frame of its page. */
  readonly isMainFrame: boolean;
}

export function isTrustedSender(frame: SenderFrame | null | undefined): boolean {
  if (frame === null || frame === undefined || !frame.isMainFrame) return false;
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return false;
  }
  return (
    url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST && url.username === '' && url.password === ''
  );
}

/** Whether a navigation target stays inside the app (anything else is denied). */
export function isAppUrl(target: string): boolean {
  return isTrustedSender({ url: target, isMainFrame: true });
}

/**
 * Maps an `app://fieldroot/<path>` request to a file name inside the renderer folder, or null
 * for anything that would leave it.
 */
export function appRequestPath(requestUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  const path = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
  if (path.split(/[\\/]/).some((part) => part === '..' || part === '') || !/^[A-Za-z0-9._/-]+$/.test(path))
    return null;
  return path;
}
