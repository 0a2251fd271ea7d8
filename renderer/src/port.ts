/**
 * The renderer's end of the contract. In Electron the preload exposes `window.fieldroot`
 * (strings in, strings out); in the web shell the same JSON goes over a WebSocket to
 * 127.0.0.1 with the launch token from the URL fragment. Every event is validated here.
 */
import {
  WEB_SHELL_SOCKET_PATH,
  parseEvent,
  type AppEvent,
  type Command,
} from '../../src/contract/app/index.ts';

export type PortStatus = 'connecting' | 'open' | 'lost';

export interface RendererPort {
  send(command: Command): boolean;
}

interface PreloadBridge {
  send(text: string): void;
  onEvent(listener: (text: string) => void): () => void;
}

declare global {
  interface Window {
    fieldroot?: PreloadBridge;
  }
}

export function openPort(
  onEvent: (event: AppEvent) => void,
  onStatus: (status: PortStatus) => void,
): RendererPort {
  const deliver = (text: unknown) => {
    const parsed = parseEvent(text);
    // Bad events are dropped: the engine is trusted code, so this is a bug worth a console line.
    if (parsed.ok) onEvent(parsed.value);
    else console.warn('fieldroot: dropped an invalid event:', parsed.reason);
  };
  const bridge = window.fieldroot;
  if (bridge !== undefined) {
    bridge.onEvent(deliver);
    onStatus('open');
    return {
      send(command) {
        bridge.send(JSON.stringify(command));
        return true;
      },
    };
  }
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
  const url = `ws://${window.location.host}${WEB_SHELL_SOCKET_PATH}?token=${encodeURIComponent(token)}`;
  let socket: WebSocket | null = null;
  let attempt = 0;
  const connect = () => {
    onStatus(attempt === 0 ? 'connecting' : 'lost');
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      onStatus('open');
    };
    ws.onmessage = (m) => deliver(m.data);
    ws.onclose = () => {
      socket = null;
      onStatus('lost');
      attempt++;
      // Back off up to 5 s between reconnects; the engine may be restarting.
      window.setTimeout(connect, Math.min(5000, 250 * 2 ** Math.min(attempt, 5)));
    };
  };
  connect();
  return {
    send(command) {
      if (socket === null || socket.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(command));
      return true;
    },
  };
}
