/**
 * The preload (sandboxed, context-isolated): exposes exactly two functions to the renderer —
 * send a command as JSON text, and listen to events as JSON text. No Node, no ipcRenderer, no
 * objects cross the bridge; the main process validates every command against the contract.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  IPC_COMMAND_CHANNEL,
  IPC_EVENT_CHANNEL,
  MAX_COMMAND_BYTES,
} from '../../src/contract/app/transport.ts';

contextBridge.exposeInMainWorld('fieldroot', {
  send(text: unknown): void {
    if (typeof text === 'string' && text.length <= MAX_COMMAND_BYTES)
      ipcRenderer.send(IPC_COMMAND_CHANNEL, text);
  },
  onEvent(listener: (text: string) => void): () => void {
    const handler = (_event: IpcRendererEvent, text: unknown) => {
      if (typeof text === 'string') listener(text);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
    };
  },
});
