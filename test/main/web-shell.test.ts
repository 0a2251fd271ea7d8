import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { AppEvent, MAX_COMMAND_BYTES, WEB_SHELL_SOCKET_PATH } from '../../src/contract/app/index.ts';
import { AppEngine, memorySettingsStore } from '../../src/field/app-engine/index.ts';
import { createLogger, memorySink } from '../../src/log/index.ts';
import { startWebShell, type WebShell } from '../../main/web-shell/server.ts';

let shell: WebShell;
let dir: string;
const sink = memorySink();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fieldroot-webshell-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>FieldRoot</title>');
  writeFileSync(join(dir, 'app.js'), 'export {};');
  writeFileSync(join(tmpdir(), 'fieldroot-outside.js'), 'secret');
  const engine = new AppEngine({ clock: () => 1, settings: memorySettingsStore(), headend: null });
  shell = await startWebShell({ engine, rendererDir: dir, logger: createLogger('test', { sink }) });
});
after(async () => {
  await shell.close();
  rmSync(dir, { recursive: true, force: true });
});

function socketUrl(token: string): string {
  return `ws://127.0.0.1:${new URL(shell.origin).port}${WEB_SHELL_SOCKET_PATH}?token=${encodeURIComponent(token)}`;
}

/** Opens a socket; resolves with it when open, or with the HTTP status the upgrade got. */
function open(token: string, origin: string | undefined): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(socketUrl(token), origin === undefined ? {} : { origin });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(-1));
  });
}

/** The next `count` events on a socket, validated against the contract. */
function nextEvents(ws: WebSocket, count: number): Promise<AppEvent[]> {
  return new Promise((resolve, reject) => {
    const got: AppEvent[] = [];
    const timer = setTimeout(
      () => reject(new Error(`only ${String(got.length)} of ${String(count)} events`)),
      5000,
    );
    const onMessage = (data: WebSocket.RawData) => {
      got.push(AppEvent.parse(JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : '')));
      if (got.length === count) {
        clearTimeout(timer);
        ws.off('message', onMessage);
        resolve(got);
      }
    };
    ws.on('message', onMessage);
  });
}

test('prints a 127.0.0.1 URL carrying the token in the fragment', () => {
  const url = new URL(shell.url);
  assert.equal(url.hostname, '127.0.0.1');
  assert.equal(url.hash, `#token=${shell.token}`);
  assert.ok(shell.token.length >= 43, 'a 256-bit token');
});

test('a socket without the token, with a wrong token or from another origin is refused', async () => {
  assert.equal(await open('', shell.origin), 403);
  // One character changed (a token that already ends in 'A' must not stay the same).
  const wrong = shell.token.slice(0, -1) + (shell.token.endsWith('A') ? 'B' : 'A');
  assert.equal(await open(wrong, shell.origin), 403);
  assert.equal(await open(shell.token, 'http://evil.example'), 403);
  assert.equal(await open(shell.token, 'http://localhost:' + new URL(shell.origin).port), 403);
  assert.equal(await open(shell.token, undefined), 403, 'no Origin header at all');
  assert.ok(shell.drops.count('websocket-refused') >= 5, 'each refusal is counted');
});

test('malformed messages are dropped and counted; the connection keeps working', async () => {
  const ws = await open(shell.token, shell.origin);
  assert.ok(ws instanceof WebSocket, 'the right token and origin connect');
  const before = shell.drops.count('websocket-invalid-command');
  ws.send('not json');
  ws.send(JSON.stringify({ type: 'rm -rf', requestId: 'x' }));
  ws.send(JSON.stringify({ type: 'snapshot', requestId: 'bad id!' }));
  ws.send(Buffer.from([1, 2, 3]), { binary: true });
  const events = nextEvents(ws, 2);
  ws.send(JSON.stringify({ type: 'snapshot', requestId: 'ok1' }));
  const [snapshot, reply] = await events;
  assert.equal(snapshot?.type, 'snapshot');
  assert.deepEqual(reply, { type: 'reply', requestId: 'ok1', ok: true });
  assert.equal(shell.drops.count('websocket-invalid-command') - before, 3);
  assert.equal(shell.drops.count('websocket-binary'), 1);
  ws.close();
});

test('an oversized frame closes only that socket; others go on', async () => {
  const big = await open(shell.token, shell.origin);
  const other = await open(shell.token, shell.origin);
  assert.ok(big instanceof WebSocket && other instanceof WebSocket, 'both connect');
  const closed = new Promise<number>((resolve) => big.once('close', (code) => resolve(code)));
  big.send('x'.repeat(MAX_COMMAND_BYTES + 1));
  assert.equal(await closed, 1009, 'closed with "message too big"');
  const events = nextEvents(other, 2);
  other.send(JSON.stringify({ type: 'snapshot', requestId: 'ok2' }));
  assert.equal((await events)[1]?.type, 'reply');
  other.close();
});

test('serves the renderer with a strict CSP and nothing outside its folder', async () => {
  const index = await fetch(`${shell.origin}/`);
  assert.equal(index.status, 200);
  const csp = index.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-(inline|eval)/);
  assert.equal((await fetch(`${shell.origin}/app.js`)).status, 200);
  assert.equal((await fetch(`${shell.origin}/..%2Ffieldroot-outside.js`)).status, 404);
  assert.equal((await fetch(`${shell.origin}/%2e%2e/fieldroot-outside.js`)).status, 404);
  assert.equal((await fetch(`${shell.origin}/`, { method: 'POST' })).status, 405);
});
