/**
 * `VpnClient` options from a wg-quick file (DESIGN.md §4 "VPN": standard config files are
 * accepted for diagnostics): the [Interface]'s IPv6 `Address` is the tunnel address, the single
 * [Peer] is the gateway and must have an `Endpoint`.
 */
import { SecretBytes } from '../../log/index.ts';
import type { WgQuickConfig } from '../../stack/wireguard/index.ts';
import type { VpnClientOptions } from './vpn-client.ts';

export class VpnConfigError extends Error {
  override readonly name = 'VpnConfigError';
}

/**
 * The options for a client of `config`. The private key is copied into a `SecretBytes`; the
 * caller should wipe `config.interface.privateKey` afterwards.
 */
export function vpnClientOptionsFromConfig(
  config: WgQuickConfig,
): Pick<VpnClientOptions, 'privateKey' | 'tunnelAddress' | 'gateway' | 'listenPort' | 'mtu'> {
  const address = config.interface.addresses.find((a) => a.family === 6);
  if (address === undefined) throw new VpnConfigError('[Interface] has no IPv6 Address (the tunnel address)');
  if (config.peers.length !== 1) {
    throw new VpnConfigError(`expected exactly one [Peer] (the gateway), found ${config.peers.length}`);
  }
  const peer = config.peers[0]!;
  if (peer.endpoint === null) throw new VpnConfigError('the [Peer] has no Endpoint');
  return {
    privateKey: new SecretBytes(config.interface.privateKey, 'WireGuard private key'),
    tunnelAddress: address.address,
    gateway: {
      publicKey: peer.publicKey,
      presharedKey:
        peer.presharedKey === null ? null : new SecretBytes(peer.presharedKey, 'WireGuard preshared key'),
      endpoint: peer.endpoint,
      ...(peer.allowedIps.length > 0 ? { allowedIps: peer.allowedIps } : {}),
      persistentKeepalive: peer.persistentKeepalive,
    },
    ...(config.interface.listenPort !== null ? { listenPort: config.interface.listenPort } : {}),
    ...(config.interface.mtu !== null ? { mtu: config.interface.mtu } : {}),
  };
}
