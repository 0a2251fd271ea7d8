/**
 * `--pcap`: every frame the sniffer beside the tablet decodes, as on air (still encrypted), in a
 * pcapng file with link type 283 (IEEE802_15_4_TAP: FCS type, channel, RSSI, LQI per frame). Blocks
 * are buffered and written in batches; `close()` flushes, so a stopped run leaves a whole file.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { Ieee802154CaptureWriter } from '../../stack/capture/index.ts';
import type { ReceivedFrame } from '../../../hardware/sim/medium/index.ts';

const FLUSH_BYTES = 64 * 1024;
/** TAP FCS type 2: 32-bit FCS, what the SUN PHY frames of the simulated field carry. */
const FCS_TYPE_32 = 2;
/** Channel page 9: SUN PHYs with MR-FSK (802.15.4-2015 §10.1.3), the 920 MHz band's page. */
const CHANNEL_PAGE_SUN_FSK = 9;

export class CaptureFile {
  frames = 0;
  private readonly fd: number;
  private readonly writer = new Ieee802154CaptureWriter({ interfaceName: 'fieldroot-sim-sniffer' });
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private closed = false;

  /** `epochUsAtZero`: the wall-clock time (µs since 1970) of the field's time 0. */
  constructor(
    readonly path: string,
    private readonly epochUsAtZero: bigint,
  ) {
    this.fd = openSync(path, 'w');
    this.push(this.writer.start());
    this.flush();
  }

  record(frame: ReceivedFrame): void {
    if (this.closed) return;
    this.frames++;
    this.push(
      this.writer.record({
        timestampMicros: this.epochUsAtZero + BigInt(Math.round(frame.timestampUs)),
        frame: frame.psdu,
        fcsType: FCS_TYPE_32,
        channel: frame.channel,
        page: CHANNEL_PAGE_SUN_FSK,
        rssiDbm: Math.round(frame.rssiDbm),
        lqi: frame.lqi,
      }),
    );
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    for (const chunk of this.pending) writeSync(this.fd, chunk);
    this.pending = [];
    this.pendingBytes = 0;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    closeSync(this.fd);
  }

  private push(chunk: Uint8Array): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
  }
}
