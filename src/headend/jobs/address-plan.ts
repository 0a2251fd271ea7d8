/**
 * Addresses the head-end hands out per job (DESIGN.md §4 "provisioning"): every tool gets one
 * address in the tunnel /64 (the gateway holds interface id 1) and one mesh /64 cut from a /48,
 * so the gateway can route by AllowedIPs = tunnel /128 + mesh /64 (whitepaper §2, cryptokey
 * routing) and each job's mesh is distinguishable at the AMR server. A number is reused only after
 * the job that held it ended, lowest free first, so a long-running head-end does not run out —
 * except the numbers of a revoked tool's jobs, quarantined (handed out again only when no other
 * is free, oldest first): meters of that job's lost mesh still carry addresses in its /64, and a
 * replacement tool given the same /64 would find them looking like its own.
 */
import { parseIpv6Address } from '../../stack/ipv6/index.ts';
import type { Ipv6Address } from '../../stack/ipv6/index.ts';
import type { IpPrefix } from '../../stack/wireguard/index.ts';

/** ULA (RFC 4193) defaults; a deployment configures its own. */
export const DEFAULT_TUNNEL_PREFIX = 'fd00:f1e1:d000::';
export const DEFAULT_MESH_PREFIX_48 = 'fd00:f1e1:e000::';
/** Interface id of the gateway in the tunnel /64. */
export const GATEWAY_INTERFACE_ID = 1;
/** Mesh /64s in a /48: the 16-bit subnet id (RFC 4193 §3.1). Subnet 0 is never handed out. */
const MESH_SUBNETS = 0xffff;
/** Tools per tunnel /64 handed out at once; far above what one gateway carries. */
const TUNNEL_HOSTS = 0xfffe;

export class AddressPoolExhaustedError extends Error {
  override name = 'AddressPoolExhaustedError';
}

export interface JobAddresses {
  /** Index that `release` takes back. */
  readonly slot: number;
  readonly tunnelAddress: Ipv6Address;
  readonly meshPrefix: IpPrefix;
}

export class JobAddressPlan {
  readonly tunnelPrefix: Ipv6Address;
  readonly meshPrefix48: Ipv6Address;
  private readonly used = new Set<number>();
  /** Released after a revocation, oldest first (insertion order). */
  private readonly quarantined = new Set<number>();

  constructor(options: { tunnelPrefix?: string; meshPrefix48?: string } = {}) {
    this.tunnelPrefix = parseIpv6Address(options.tunnelPrefix ?? DEFAULT_TUNNEL_PREFIX);
    this.meshPrefix48 = parseIpv6Address(options.meshPrefix48 ?? DEFAULT_MESH_PREFIX_48);
    if (this.tunnelPrefix.subarray(8).some((b) => b !== 0))
      throw new RangeError('the tunnel prefix must be a /64 (interface id zero)');
    if (this.meshPrefix48.subarray(6).some((b) => b !== 0))
      throw new RangeError('the mesh prefix must be a /48 (subnet and interface id zero)');
  }

  /** The gateway's own tunnel address (prefix::1). */
  get gatewayAddress(): Ipv6Address {
    return withTail(this.tunnelPrefix, 14, GATEWAY_INTERFACE_ID);
  }

  allocate(): JobAddresses {
    let slot = 1;
    while (this.used.has(slot) || this.quarantined.has(slot)) slot++;
    if (slot > Math.min(MESH_SUBNETS, TUNNEL_HOSTS)) {
      const oldest = this.quarantined.values().next();
      if (oldest.done === true) throw new AddressPoolExhaustedError('no free tunnel address or mesh /64');
      slot = oldest.value;
    }
    this.quarantined.delete(slot);
    this.used.add(slot);
    const mesh = this.meshPrefix48.slice();
    mesh[6] = slot >> 8;
    mesh[7] = slot & 0xff;
    // Tools start at interface id 2: ::1 is the gateway.
    return {
      slot,
      tunnelAddress: withTail(this.tunnelPrefix, 14, slot + 1),
      meshPrefix: { family: 6, address: mesh, length: 64 },
    };
  }

  /** `quarantine`: the job ended by revocation; its numbers go to the back of the queue. */
  release(slot: number, o: { quarantine?: boolean } = {}): void {
    if (!this.used.delete(slot)) return;
    if (o.quarantine === true) this.quarantined.add(slot);
  }

  get inUse(): number {
    return this.used.size;
  }
}

function withTail(prefix: Ipv6Address, at: number, value: number): Ipv6Address {
  const a = prefix.slice();
  a[at] = (value >> 8) & 0xff;
  a[at + 1] = value & 0xff;
  return a;
}
