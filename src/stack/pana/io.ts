/**
 * What the PANA roles (pac.ts, paa.ts, relay.ts) take in and give out: UDP endpoints and datagrams.
 * The roles never open sockets; the edge sends `PanaDatagram`s and feeds received ones back.
 */
import { bytesEqual, toHex } from '../wire/index.ts';
import { PANA_UDP_PORT } from './constants.ts';

/** An IPv6 address (16 bytes) and UDP port. */
export interface PanaEndpoint {
  address: Uint8Array;
  port: number;
}

/** A datagram to send. */
export interface PanaDatagram {
  to: PanaEndpoint;
  bytes: Uint8Array;
}

/** The usual PANA endpoint of a node: port 716 (RFC 5191 §11). */
export function panaEndpoint(address: Uint8Array, port = PANA_UDP_PORT): PanaEndpoint {
  if (address.length !== 16) throw new RangeError(`IPv6 address must be 16 bytes, is ${address.length}`);
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError(`port ${port} is not a u16`);
  return { address: address.slice(), port };
}

export function endpointEquals(a: PanaEndpoint, b: PanaEndpoint): boolean {
  return a.port === b.port && bytesEqual(a.address, b.address);
}

/** A map key for an endpoint. */
export function endpointKey(e: PanaEndpoint): string {
  return `${toHex(e.address)}/${e.port}`;
}

/** What a role returns for every input: datagrams to send and events for the edge. */
export interface PanaOutput<E> {
  send: PanaDatagram[];
  events: E[];
}

export function emptyOutput<E>(): PanaOutput<E> {
  return { send: [], events: [] };
}
