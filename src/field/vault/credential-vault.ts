/**
 * The tool's credential vault (DESIGN.md §3.4, §5): the only place the tool's own credentials
 * persist. In the app it is the OS keychain through keytar (main/vault); tests use the in-memory
 * vault. Entries are named; values are bytes (the keychain stores them as base64 text).
 *
 * What lives here and nothing else: the device key (ECDSA P-256, PKCS #8), the device certificate
 * and the CA certificate it chains to (public, but kept beside the key they belong to), the
 * WireGuard private key, and the last TAI64N timestamp the WireGuard client sent (not secret;
 * it must survive restarts, see handshake-clock.ts). Meter PSKs, network keys and readings never
 * enter the vault.
 */
import { SecretBytes } from '../../log/index.ts';

export const VAULT_ENTRY = {
  DEVICE_PRIVATE_KEY: 'device-private-key',
  DEVICE_CERTIFICATE: 'device-certificate',
  CA_CERTIFICATE: 'ca-certificate',
  WIREGUARD_PRIVATE_KEY: 'wireguard-private-key',
  LAST_HANDSHAKE_TIMESTAMP: 'wireguard-last-timestamp',
} as const;
export type VaultEntry = (typeof VAULT_ENTRY)[keyof typeof VAULT_ENTRY];

export interface CredentialVault {
  /** The stored bytes (a fresh copy), or null when the entry is absent. */
  read(entry: VaultEntry): Promise<Uint8Array | null>;
  write(entry: VaultEntry, value: Uint8Array): Promise<void>;
  /** Removes the entry; false when it was absent. */
  erase(entry: VaultEntry): Promise<boolean>;
}

/** Reads a secret entry wrapped so it cannot reach a log; null when absent. */
export async function readSecret(vault: CredentialVault, entry: VaultEntry): Promise<SecretBytes | null> {
  const bytes = await vault.read(entry);
  if (bytes === null) return null;
  const secret = new SecretBytes(bytes, entry);
  bytes.fill(0);
  return secret;
}

export async function readText(vault: CredentialVault, entry: VaultEntry): Promise<string | null> {
  const bytes = await vault.read(entry);
  return bytes === null ? null : new TextDecoder().decode(bytes);
}

export function writeText(vault: CredentialVault, entry: VaultEntry, text: string): Promise<void> {
  return vault.write(entry, new TextEncoder().encode(text));
}

/** Erases every entry (re-enrolment, or a tablet being handed back). */
export async function eraseAll(vault: CredentialVault): Promise<void> {
  for (const entry of Object.values(VAULT_ENTRY)) await vault.erase(entry);
}
