/** The engine's end of an in-test northbound link, and the head-end's view of what it carries. */
import { EventEmitter } from 'node:events';
import type {
  NorthboundLink,
  NorthboundLinkEvents,
  NorthboundLinkState,
} from '../../../src/field/northbound-link.ts';
import { decodePacket, type Ipv6Packet } from '../../../src/stack/ipv6/index.ts';

export class TestNorthbound extends EventEmitter<NorthboundLinkEvents> implements NorthboundLink {
  state: NorthboundLinkState = 'up';
  /** Packets the engine sent towards the head-end. */
  readonly sent: Uint8Array[] = [];

  send(ipv6Packet: Uint8Array): void {
    this.sent.push(ipv6Packet.slice());
  }

  /** The head-end sends a packet towards the engine. */
  inject(packet: Uint8Array): void {
    this.emit('packet', packet);
  }

  decoded(): Ipv6Packet[] {
    return this.sent.map((b) => decodePacket(b));
  }
}
