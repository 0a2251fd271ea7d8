/**
 * The Electron main process (DEVELOPERS rules): one sandboxed, context-isolated window without
 * Node, the renderer served from the privileged `app://fieldroot` scheme with a strict CSP,
 * every IPC message sender-checked and schema-validated, navigation, new windows, webviews
 * and permission requests denied. The engine is the same `AppEngine` the web shell hosts.
 *
 * The engine is built by main/web-shell/field-app.ts exactly as the web shell builds it (vault,
 * enrolment, job driver over the field engine, read results and DR), configured from the
 * environment only (FIELDROOT_HEADEND_URL, FIELDROOT_HEADEND_CA, FIELDROOT_DEVICE_ID, …).
 */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { app, BrowserWindow, ipcMain, protocol, session, type WebContents } from 'electron';
import { IPC_COMMAND_CHANNEL, IPC_EVENT_CHANNEL, parseCommand } from '../../src/contract/app/index.ts';
import type { AppEngine } from '../../src/field/app-engine/index.ts';
import { createLogger, DropCounter } from '../../src/log/index.ts';
import { watchDongles } from '../dongle-watch.ts';
import {
  APP_HOST,
  APP_SCHEME,
  APP_START_URL,
  appRequestPath,
  isAppUrl,
  isTrustedSender,
} from '../ipc-guard.ts';
import { RENDERER_CSP } from '../security.ts';
import { appDataDir, fileSettingsStore } from '../settings-file.ts';
import { startFieldApp } from '../web-shell/field-app.ts';

const logger = createLogger('app.main');
const drops = new DropCounter(logger);
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false },
  },
]);
app.enableSandbox();

// CommonJS bundle: no top-level await; the window waits for the engine.
const started = startFieldApp({}, process.env, fileSettingsStore(appDataDir()), logger);

function rendererDir(): string {
  return join(app.getAppPath(), 'renderer', 'dist');
}

function harden(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

app.on('web-contents-created', (_event, contents) => harden(contents));

app.on('window-all-closed', () => app.quit());

void Promise.all([started, app.whenReady()]).then(
  ([{ engine, field }]) => {
    for (const notice of field?.notices ?? []) logger.info(notice);
    app.once('before-quit', () => void field?.stop());
    const ses = session.defaultSession;
    ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    ses.setPermissionCheckHandler(() => false);
    ses.setDevicePermissionHandler(() => false);
    ses.webRequest.onHeadersReceived((details, callback) => {
      callback({
        responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] },
      });
    });
    protocol.handle(APP_SCHEME, async (request) => {
      const path = appRequestPath(request.url);
      const type = path === null ? undefined : CONTENT_TYPES[extname(path)];
      if (path === null || type === undefined) return new Response(null, { status: 404 });
      try {
        const body = await readFile(join(rendererDir(), path));
        return new Response(body, {
          headers: {
            'content-type': type,
            'content-security-policy': RENDERER_CSP,
            'x-content-type-options': 'nosniff',
          },
        });
      } catch {
        return new Response(null, { status: 404 });
      }
    });

    const connections = new Map<number, ReturnType<AppEngine['connect']>>();
    ipcMain.on(IPC_COMMAND_CHANNEL, (event, text: unknown) => {
      const frame = event.senderFrame;
      if (!isTrustedSender(frame === null ? null : { url: frame.url, isMainFrame: frame.parent === null }))
        return drops.drop('ipc-untrusted-sender', { url: frame?.url });
      const parsed = parseCommand(text);
      if (!parsed.ok) return drops.drop('ipc-invalid-command', { reason: parsed.reason });
      const contents = event.sender;
      let connection = connections.get(contents.id);
      if (connection === undefined) {
        const created = engine.connect((appEvent) => {
          if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, JSON.stringify(appEvent));
        });
        connection = created;
        connections.set(contents.id, created);
        contents.once('destroyed', () => {
          created.close();
          connections.delete(contents.id);
        });
      }
      connection
        .handle(parsed.value)
        .catch((err: unknown) => logger.error('command failed', { error: String(err) }));
    });

    const dongles = watchDongles(engine, {
      extraPaths: (process.env.FIELDROOT_DONGLE ?? '').split(',').filter((p) => p !== ''),
    });
    app.once('before-quit', () => dongles.stop());

    const win = new BrowserWindow({
      width: 1280,
      height: 860,
      title: 'FieldRoot',
      backgroundColor: '#ffffff',
      webPreferences: {
        preload: join(__dirname, 'preload.cjs'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        spellcheck: false,
        devTools: !app.isPackaged,
      },
    });
    void win.loadURL(APP_START_URL);
    logger.info('window opened', { host: APP_HOST });
    // The demo (scripts/demo.mjs) waits for this line, as it waits for the web shell's URL.
    process.stdout.write('FieldRoot window open\n');
  },
  (err: unknown) => {
    // Without an engine there is nothing to show: say why and quit rather than hang windowless.
    logger.error('the app could not start', { error: String(err) });
    app.exit(1);
  },
);
