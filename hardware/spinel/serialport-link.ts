/**
 * {@link SerialLink} over the `serialport` package: a USB dongle (`/dev/ttyACM0`,
 * `/dev/serial/by-id/…`) or a pseudo-terminal (the virtual dongle). 8N1, no flow control.
 */
import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { BaseSerialLink } from './serial-link.ts';
import { SerialOpenError, classifyOpenError } from './errors.ts';

/**
 * UART rates the driver accepts (DESIGN.md §4: 115200–460800 baud). Only the standard rates in that
 * range: a non-standard divisor silently gives a wrong rate on many USB-UART bridges.
 */
export const SPINEL_BAUD_RATES = [115_200, 230_400, 460_800] as const;
export const DEFAULT_BAUD_RATE = 460_800;

export function checkBaudRate(baud: number): void {
  if (!(SPINEL_BAUD_RATES as readonly number[]).includes(baud)) {
    throw new SerialOpenError(
      'bad-baud',
      '',
      `unsupported baud rate ${baud}: use one of ${SPINEL_BAUD_RATES.join(', ')}`,
    );
  }
}

export interface SerialPortLinkOptions {
  baudRate?: number;
  /**
   * How often to check that the device node still exists (ms; 0 = never; default 250). serialport
   * does not always notice a hang-up: after the device goes away a read can return 0 bytes, which
   * `@serialport/bindings-cpp` (13.0.0, `unixRead`) retries forever instead of reporting a disconnect
   * (serialport/bindings-cpp issue #162). The node disappearing is the unplug signal then.
   */
  presenceCheckMs?: number;
}

/** The error a link closes with when its device went away. */
export class DisconnectedLinkError extends Error {
  override readonly name = 'DisconnectedLinkError';
  readonly disconnected = true;
}

export class SerialPortLink extends BaseSerialLink {
  private closing: Promise<void> | undefined;
  private presenceTimer: ReturnType<typeof setInterval> | undefined;

  private constructor(
    private readonly port: SerialPort,
    readonly description: string,
    presenceCheckMs: number,
  ) {
    super();
    if (presenceCheckMs > 0) {
      this.presenceTimer = setInterval(() => {
        if (!existsSync(description)) this.gone();
      }, presenceCheckMs);
      this.presenceTimer.unref();
    }
    port.on('data', (chunk: Buffer) => {
      this.emitData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    port.on('close', (err?: Error | null) => {
      // serialport passes a DisconnectedError (err.disconnected === true) when the device went away.
      this.stopPresenceCheck();
      this.emitClose(err ?? undefined);
    });
    // Write and read errors also end in 'close'; an 'error' listener keeps them from being thrown.
    port.on('error', () => {});
  }

  /** Opens `path` at `baudRate` (default 460800). Rejects with {@link SerialOpenError}. */
  static async open(path: string, options: SerialPortLinkOptions = {}): Promise<SerialPortLink> {
    const baudRate = options.baudRate ?? DEFAULT_BAUD_RATE;
    try {
      checkBaudRate(baudRate);
    } catch (e) {
      throw new SerialOpenError('bad-baud', path, (e as Error).message);
    }
    const port = new SerialPort({
      path,
      baudRate,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
      rtscts: false,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) => {
      port.open((err) => (err ? reject(classifyOpenError(path, err)) : resolve()));
    });
    return new SerialPortLink(port, path, options.presenceCheckMs ?? 250);
  }

  write(bytes: Uint8Array): void {
    if (!this.isOpen) throw new Error(`${this.description}: write on a closed link`);
    this.port.write(Buffer.from(bytes));
  }

  private stopPresenceCheck(): void {
    if (this.presenceTimer !== undefined) clearInterval(this.presenceTimer);
    this.presenceTimer = undefined;
  }

  /** The device node vanished: report the unplug and release the port (this also ends a stuck read loop). */
  private gone(): void {
    this.stopPresenceCheck();
    if (!this.isOpen) return;
    this.emitClose(new DisconnectedLinkError(`${this.description} disappeared (device unplugged)`));
    if (this.port.isOpen) this.port.close(() => {});
  }

  close(): Promise<void> {
    this.stopPresenceCheck();
    if (!this.isOpen) return this.closing ?? Promise.resolve();
    this.closing ??= new Promise<void>((resolve) => {
      if (!this.port.isOpen) {
        this.emitClose();
        resolve();
        return;
      }
      this.port.close(() => {
        this.emitClose();
        resolve();
      });
    });
    return this.closing;
  }
}
