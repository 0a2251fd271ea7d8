/**
 * The contract on the wire: the web shell's WebSocket frames and Electron's IPC messages are
 * the same JSON text. Both ends parse every message with these functions and drop what fails.
 */
import { Command } from './commands.ts';
import { AppEvent } from './events.ts';

/** Larger frames are refused before parsing: no legitimate command comes near this. */
export const MAX_COMMAND_BYTES = 16 * 1024;
/** A mesh page of 500 nodes is about 80 kB; events stay well under this. */
export const MAX_EVENT_BYTES = 512 * 1024;

/** The WebSocket sub-path of the web shell, and the Electron IPC channels. */
export const WEB_SHELL_SOCKET_PATH = '/contract';
export const IPC_COMMAND_CHANNEL = 'fieldroot:command';
export const IPC_EVENT_CHANNEL = 'fieldroot:event';

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

function parseWith<T>(
  text: unknown,
  maxBytes: number,
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
  },
): Parsed<T> {
  if (typeof text !== 'string') return { ok: false, reason: 'not text' };
  // UTF-16 length ≤ UTF-8 bytes × 1, so this bound is checked before any allocation grows.
  if (text.length > maxBytes) return { ok: false, reason: `longer than ${String(maxBytes)} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const where = issue === undefined ? '' : issue.path.map(String).join('.');
  return { ok: false, reason: `schema: ${where === '' ? '' : `${where}: `}${issue?.message ?? 'invalid'}` };
}

export function parseCommand(text: unknown): Parsed<Command> {
  return parseWith(text, MAX_COMMAND_BYTES, Command);
}

export function parseEvent(text: unknown): Parsed<AppEvent> {
  return parseWith(text, MAX_EVENT_BYTES, AppEvent);
}

/** The UI side of the contract, as the preload exposes it and the WebSocket client implements it. */
export interface ContractPort {
  send(command: Command): void;
  /** Subscribes to events; returns the unsubscribe function. */
  onEvent(listener: (event: AppEvent) => void): () => void;
}
