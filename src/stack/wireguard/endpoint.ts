/**
 * Endpoints are opaque to the device: the UDP edge supplies them with each received datagram
 * and gets them back on each datagram to send. The device needs three things from them,
 * provided by an adapter: the bytes the responder's cookie is computed over (source IP ‖ port,
 * whitepaper §5.4.7), a key for the per-source rate limiter (the IP alone, as wireguard-go), and
 * equality (to notice roaming, whitepaper §2.1).
 */
import { parseIpAddress } from './ip-prefix.ts';

export interface EndpointAdapter<E> {
  /** Source IP address bytes ‖ UDP port big-endian: input of the cookie MAC. */
  cookieBytes(endpoint: E): Uint8Array;
  /** The source address alone: key of the per-source rate limiter. */
  sourceKey(endpoint: E): string;
  same(a: E, b: E): boolean;
}

/** Splits "192.0.2.1:51820" or "[2001:db8::1]:51820"; null when it is not that shape. */
export function splitHostPort(text: string): { host: string; port: number } | null {
  const m = /^\[([^\]]+)\]:([0-9]{1,5})$/.exec(text) ?? /^([^:[\]]+):([0-9]{1,5})$/.exec(text);
  if (m === null) return null;
  const port = Number(m[2]);
  if (port > 65535) return null;
  return { host: m[1]!, port };
}

/**
 * Adapter for endpoints written as numeric "ip:port" / "[ipv6]:port" strings (what a UDP socket
 * reports as the source of a datagram). Strings of another shape still work as identities; their
 * UTF-8 bytes then stand in for the address.
 */
export const STRING_ENDPOINTS: EndpointAdapter<string> = {
  cookieBytes(endpoint) {
    const hp = splitHostPort(endpoint);
    if (hp !== null) {
      try {
        const { address } = parseIpAddress(hp.host);
        const out = new Uint8Array(address.length + 2);
        out.set(address);
        out[address.length] = hp.port >> 8;
        out[address.length + 1] = hp.port & 0xff;
        return out;
      } catch {
        // A host name: fall through to the text itself.
      }
    }
    return new TextEncoder().encode(endpoint);
  },
  sourceKey(endpoint) {
    return splitHostPort(endpoint)?.host ?? endpoint;
  },
  same(a, b) {
    return a === b;
  },
};

/** The `STRING_ENDPOINTS` form of a numeric address and port: "ip:port", or "[ipv6]:port". */
export function endpointText(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
