/**
 * A `VpnClient` and a `WireguardGateway` on real UDP over 127.0.0.1, for the edge tests of both
 * sides. Waits are event-driven with an upper bound, never fixed sleeps.
 */
import { once } from 'node:events';
import type { EventEmitter as NodeEventEmitter } from 'node:events';
import { SecretBytes } from '../../../src/log/index.ts';
import { getCrypto } from '../../../src/stack/crypto/index.ts';
import { parseIpv6Address } from '../../../src/stack/ipv6/index.ts';
import { parseIpPrefix } from '../../../src/stack/wireguard/index.ts';
import { VpnClient } from '../../../src/field/vpn/index.ts';
import { WireguardGateway } from '../../../src/headend/gateway/index.ts';
import type { GatewayOptions } from '../../../src/headend/gateway/index.ts';

export const ADDR = {
  gateway: 'fd00:77::1',
  client: 'fd00:77::2',
  service: '2001:db8:5::10',
} as const;

/** A fresh X25519 private key, clamped as `wg genkey` does (RFC 7748 §5). */
export function newPrivateKey(): Uint8Array {
  const k = getCrypto().randomBytes(32);
  k[0]! &= 248;
  k[31]! &= 127;
  k[31]! |= 64;
  return k;
}

/** Resolves with the event's arguments, or rejects after `ms`. */
export async function waitForEvent<T extends unknown[]>(
  emitter: object,
  event: string,
  ms: number,
): Promise<T> {
  const args = await once(emitter as NodeEventEmitter, event, { signal: AbortSignal.timeout(ms) });
  return args as T;
}

/** Polls `condition` every 5 ms until it holds; rejects after `ms`. */
export async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface TunnelPair {
  gateway: WireguardGateway;
  client: VpnClient;
  clientKey: Uint8Array;
  close(): Promise<void>;
}

/** A started gateway with the client as its peer, and a client (not yet started). */
export async function tunnelPair(gatewayOptions: Partial<GatewayOptions> = {}): Promise<TunnelPair> {
  const gatewayKey = newPrivateKey();
  const clientKey = newPrivateKey();
  const gateway = new WireguardGateway({
    privateKey: new SecretBytes(gatewayKey, 'gateway key'),
    tunnelAddress: parseIpv6Address(ADDR.gateway),
    port: 0,
    bindAddress: '127.0.0.1',
    ...gatewayOptions,
  });
  const port = await gateway.start();
  const client = new VpnClient({
    privateKey: new SecretBytes(clientKey, 'client key'),
    tunnelAddress: parseIpv6Address(ADDR.client),
    gateway: {
      publicKey: gateway.publicKey,
      endpoint: `127.0.0.1:${port}`,
      allowedIps: [parseIpPrefix('fd00:77::/64'), parseIpPrefix('2001:db8:5::/48')],
    },
  });
  gateway.addPeer({
    publicKey: client.publicKey,
    allowedIps: [parseIpPrefix(`${ADDR.client}/128`)],
    label: 'job-1',
  });
  return {
    gateway,
    client,
    clientKey,
    async close() {
      await client.stop();
      await gateway.stop();
    },
  };
}
