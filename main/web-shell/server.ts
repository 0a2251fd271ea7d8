/**
 * The web shell: the built renderer over HTTP on 127.0.0.1, and the app contract over a
 * WebSocket guarded by a per-launch token and an exact Origin check (DESIGN.md §3.6). Every
 * message is validated against the contract; bad ones are counted and dropped, never fatal.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_COMMAND_BYTES, WEB_SHELL_SOCKET_PATH, parseCommand } from '../../src/contract/app/index.ts';
import type { AppEngine } from '../../src/field/app-engine/index.ts';
import { DropCounter, type Logger } from '../../src/log/index.ts';
import { RENDERER_CSP } from '../security.ts';

export interface WebShellOptions {
  readonly engine: AppEngine;
  /** Folder holding the built renderer (`index.html`, `app.js`, `app.css`). */
  readonly rendererDir: string;
  readonly logger: Logger;
  /** Default 0: any free port. The host is always 127.0.0.1. */
  readonly port?: number;
}

export interface WebShell {
  /** The URL to open, token included (in the fragment, so it never reaches an HTTP log). */
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  readonly drops: DropCounter;
  close(): Promise<void>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

export async function startWebShell(options: WebShellOptions): Promise<WebShell> {
  const { engine, rendererDir, logger } = options;
  const token = randomBytes(32).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const drops = new DropCounter(logger);
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_COMMAND_BYTES });
  let origin = '';

  const server = createServer((req, res) => {
    serveStatic(rendererDir, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', origin);
    const presented = Buffer.from(url.searchParams.get('token') ?? '');
    const tokenOk = presented.length === tokenBytes.length && timingSafeEqual(presented, tokenBytes);
    if (url.pathname !== WEB_SHELL_SOCKET_PATH || req.headers.origin !== origin || !tokenOk) {
      drops.drop('websocket-refused', {
        reason:
          url.pathname !== WEB_SHELL_SOCKET_PATH
            ? 'path'
            : req.headers.origin !== origin
              ? 'origin'
              : 'token',
      });
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket): void {
    const connection = engine.connect((event) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return drops.drop('websocket-binary');
      const parsed = parseCommand(
        Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'),
      );
      if (!parsed.ok) return drops.drop('websocket-invalid-command', { reason: parsed.reason });
      connection.handle(parsed.value).catch((err: unknown) => {
        logger.error('command failed', { type: parsed.value.type, error: String(err) });
      });
    });
    // An oversized frame makes ws close the socket with 1009; count it like any bad input.
    ws.on('error', (err) => drops.drop('websocket-error', { error: err.message }));
    ws.on('close', () => connection.close());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('web shell: no TCP address');
  origin = `http://127.0.0.1:${String(address.port)}`;

  return {
    url: `${origin}/#token=${token}`,
    origin,
    token,
    drops,
    async close() {
      for (const ws of sockets.clients) ws.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
  const relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
  const file = normalize(join(root, relative));
  if (!file.startsWith(normalize(root) + sep) || !(extname(file) in CONTENT_TYPES)) {
    res.writeHead(404).end();
    return;
  }
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'content-security-policy': RENDERER_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
