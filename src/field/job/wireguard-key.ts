/**
 * The tool's WireGuard key (DESIGN.md §5): created once (32 random bytes; X25519 clamps on use,
 * RFC 7748 §5) and kept in the vault; only the public key leaves the tool, in the job request.
 */
import { SecretBytes } from '../../log/index.ts';
import type { CryptoProvider } from '../../stack/crypto/index.ts';
import type { CredentialVault } from '../vault/index.ts';
import { VAULT_ENTRY, readSecret } from '../vault/index.ts';

export async function loadOrCreateWireguardKey(
  vault: CredentialVault,
  crypto: CryptoProvider,
): Promise<{ privateKey: SecretBytes; publicKey: Uint8Array }> {
  let privateKey = await readSecret(vault, VAULT_ENTRY.WIREGUARD_PRIVATE_KEY);
  if (privateKey === null || privateKey.length !== 32) {
    privateKey?.wipe();
    const fresh = crypto.randomBytes(32);
    await vault.write(VAULT_ENTRY.WIREGUARD_PRIVATE_KEY, fresh);
    privateKey = new SecretBytes(fresh, VAULT_ENTRY.WIREGUARD_PRIVATE_KEY);
    fresh.fill(0);
  }
  return { privateKey, publicKey: crypto.x25519PublicKey(privateKey.expose()) };
}
