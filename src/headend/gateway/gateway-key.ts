/**
 * The gateway's WireGuard static key, derived from the head-end master key (keys/master-key.ts)
 * with HMAC-SHA256 under a fixed label, so it is stable across restarts (a running tool's peer
 * entry stays valid) without a second secret file to guard and back up. Rotating the master key
 * rotates it; tools learn the new public key with their next job.
 */
import { createHmac } from 'node:crypto';
import { SecretBytes } from '../../log/index.ts';

const LABEL = 'fieldroot gateway wireguard static key v1';

export function gatewayKeyFromMaster(master: SecretBytes): SecretBytes {
  const bytes = new Uint8Array(createHmac('sha256', master.expose()).update(LABEL).digest());
  const key = new SecretBytes(bytes, 'gateway private key');
  bytes.fill(0);
  return key;
}
