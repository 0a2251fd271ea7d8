/**
 * UDP endpoints as the WireGuard device sees them: numeric "ip:port" / "[ipv6]:port" strings
 * (`STRING_ENDPOINTS` in src/stack/wireguard/endpoint.ts), made from what `node:dgram` reports.
 */
import { lookup } from 'node:dns/promises';
import { endpointText, splitHostPort } from '../../stack/wireguard/index.ts';

export interface ResolvedEndpoint {
  readonly endpoint: string;
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** Resolves a configured "host:port" (a name or a literal) to one numeric endpoint. */
export async function resolveEndpoint(text: string): Promise<ResolvedEndpoint> {
  const hp = splitHostPort(text);
  if (hp === null || hp.port === 0) throw new RangeError(`endpoint "${text}" is not host:port`);
  const { address, family } = await lookup(hp.host);
  return { endpoint: endpointText(address, hp.port), address, port: hp.port, family: family === 6 ? 6 : 4 };
}
