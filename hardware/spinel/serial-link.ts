/**
 * The byte-stream port under the Spinel driver: a serial port, a pseudo-terminal, or an in-memory
 * pipe in tests. Bytes arrive in arbitrary chunks; framing is the driver's business.
 */

export interface SerialLinkEvents {
  data: (chunk: Uint8Array) => void;
  /** The link is gone. `error` is set when it went away on its own (unplug, I/O error), absent after `close()`. */
  close: (error?: Error) => void;
}

export interface SerialLink {
  /** Queues bytes for sending. Throws if the link is closed. */
  write(bytes: Uint8Array): void;
  on<E extends keyof SerialLinkEvents>(event: E, listener: SerialLinkEvents[E]): void;
  off<E extends keyof SerialLinkEvents>(event: E, listener: SerialLinkEvents[E]): void;
  /** Closes the link; resolves once closed. Idempotent. */
  close(): Promise<void>;
  readonly isOpen: boolean;
  /** Human-readable name for logs (`/dev/ttyACM0`, `memory:host`). */
  readonly description: string;
}

type Listeners = { [E in keyof SerialLinkEvents]: Set<SerialLinkEvents[E]> };

/** Listener bookkeeping shared by the link implementations. */
export abstract class BaseSerialLink implements SerialLink {
  private readonly listeners: Listeners = { data: new Set(), close: new Set() };
  private closed = false;

  abstract readonly description: string;
  abstract write(bytes: Uint8Array): void;
  abstract close(): Promise<void>;

  get isOpen(): boolean {
    return !this.closed;
  }

  on<E extends keyof SerialLinkEvents>(event: E, listener: SerialLinkEvents[E]): void {
    (this.listeners[event] as Set<SerialLinkEvents[E]>).add(listener);
  }

  off<E extends keyof SerialLinkEvents>(event: E, listener: SerialLinkEvents[E]): void {
    (this.listeners[event] as Set<SerialLinkEvents[E]>).delete(listener);
  }

  protected emitData(chunk: Uint8Array): void {
    if (this.closed) return;
    for (const l of [...this.listeners.data]) l(chunk);
  }

  /** Marks the link closed and tells listeners once. */
  protected emitClose(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of [...this.listeners.close]) l(error);
  }
}

/** One end of an in-memory pipe; see {@link createMemoryLinkPair}. */
export class MemoryLink extends BaseSerialLink {
  peer: MemoryLink | undefined;

  constructor(readonly description: string) {
    super();
  }

  write(bytes: Uint8Array): void {
    if (!this.isOpen) throw new Error(`${this.description}: write on a closed link`);
    const peer = this.peer;
    const copy = bytes.slice();
    // Delivered asynchronously, like a real port: the writer never re-enters its own handler.
    queueMicrotask(() => peer?.deliver(copy));
  }

  /** Bytes from the other end. */
  deliver(chunk: Uint8Array): void {
    this.emitData(chunk);
  }

  close(): Promise<void> {
    this.emitClose();
    return Promise.resolve();
  }

  /** Simulates the device going away: both ends close, this one with `error`. */
  unplug(error = Object.assign(new Error('device disconnected'), { disconnected: true })): void {
    const peer = this.peer;
    this.emitClose(error);
    peer?.emitClose(error);
  }
}

/** Two connected in-memory ends: bytes written to one arrive (asynchronously, in order) at the other. */
export function createMemoryLinkPair(
  names: [string, string] = ['memory:host', 'memory:dongle'],
): [MemoryLink, MemoryLink] {
  const a = new MemoryLink(names[0]);
  const b = new MemoryLink(names[1]);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
