/**
 * The tablet's dongle on the simulated medium, shaped like the mesh-root engine's radio
 * (src/field/mesh/radio.ts `MeshRadio`, matched structurally: hardware/ does not import
 * src/field): PSDUs in and out, one transmission at a time through the node's RadioMac (CSMA-CA,
 * ACK wait and retries, as an RCP does them in firmware).
 *
 * The medium addresses radios by node; the MAC header addresses them by EUI-64. A real radio's
 * address filter needs nothing more; here the destination is read from the frame and looked up
 * in the field's directory.
 */
import type { RadioMac, TransmitStatus as MacStatus } from '../medium/index.ts';
import { parseFrame } from '../../../src/stack/ieee802154/index.ts';
import { DecodeError } from '../../../src/stack/wire/index.ts';
import type { EuiDirectory } from './radio-port.ts';

export type TabletTransmitStatus = 'sent' | 'no-ack' | 'channel-access-failure' | 'error';

export interface TabletReceivedFrame {
  psdu: Uint8Array;
  rssiDbm: number;
  lqi: number;
}

/** PSDU limit of the simulated 920 MHz dongle (what the meters take too: simulated-meter.ts). */
export const TABLET_MAX_PSDU = 255;

export class SimulatedTabletRadio {
  readonly maxPsdu = TABLET_MAX_PSDU;
  readonly fcsLength = 4 as const;
  private readonly listeners = new Set<(frame: TabletReceivedFrame) => void>();

  constructor(
    private readonly mac: RadioMac,
    private readonly directory: EuiDirectory,
  ) {
    mac.onReceive = (frame) => {
      for (const l of this.listeners) l({ psdu: frame.psdu.slice(), rssiDbm: frame.rssiDbm, lqi: frame.lqi });
    };
  }

  transmit(psdu: Uint8Array, options: { ackRequest: boolean }): Promise<TabletTransmitStatus> {
    return new Promise((resolve) => this.transmitWithCallback(psdu, options, resolve));
  }

  transmitWithCallback(
    psdu: Uint8Array,
    options: { ackRequest: boolean },
    done: (status: TabletTransmitStatus) => void,
  ): void {
    let destination: number | 'broadcast' = 'broadcast';
    try {
      const { frame } = parseFrame(psdu, { fcsLength: this.fcsLength });
      if (typeof frame.dstAddress === 'bigint') {
        const id = this.directory.get(frame.dstAddress);
        // Nobody with that address in the field: the frame goes out and no ACK comes back.
        destination = id ?? 'broadcast';
        if (id === undefined && options.ackRequest) {
          this.mac.transmit({ psdu, ackRequest: false, destination }, () => done('no-ack'));
          return;
        }
      }
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.mac.transmit({ psdu, ackRequest: false, destination }, () => done('error'));
      return;
    }
    this.mac.transmit(
      { psdu, ackRequest: options.ackRequest && destination !== 'broadcast', destination },
      (r) => done(statusOf(r.status)),
    );
  }

  /** Hands `frame` to the listeners as if the radio had received it (tests: forged or replayed frames). */
  injectReceived(frame: TabletReceivedFrame): void {
    for (const l of this.listeners) l({ ...frame, psdu: frame.psdu.slice() });
  }

  onFrame(listener: (frame: TabletReceivedFrame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function statusOf(s: MacStatus): TabletTransmitStatus {
  switch (s) {
    case 'sent':
    case 'no-ack':
    case 'channel-access-failure':
      return s;
    default:
      return 'error'; // duty-cycle-limited, queue-full: the dongle refused the frame
  }
}
