/**
 * The credential vault on the OS keychain (DESIGN.md §3.4, §8 "a real OS keychain (keytar)"):
 * libsecret's Secret Service on Linux, the Keychain on macOS, the Credential Vault on Windows.
 * Each entry is one keychain item, service `fieldroot` (one per installation profile), account
 * the entry name, password the bytes in base64 (keytar stores UTF-8 text).
 *
 * keytar is a native module; it is loaded on first use so the rest of the app (and the tests
 * that do not need a keychain) never depend on its binary or on a running Secret Service.
 */
import type { CredentialVault, VaultEntry } from '../../src/field/vault/index.ts';

export const DEFAULT_KEYCHAIN_SERVICE = 'fieldroot';

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

let loaded: Promise<Keytar> | null = null;

function keytar(): Promise<Keytar> {
  loaded ??= import('keytar').then((m) => (m as { default?: Keytar }).default ?? (m as unknown as Keytar));
  return loaded;
}

/** A keychain item that is not base64 of at most this many bytes was not written by us. */
const MAX_ENTRY_BYTES = 16 * 1024;

export class KeychainVaultError extends Error {
  override name = 'KeychainVaultError';
}

export class KeytarVault implements CredentialVault {
  constructor(private readonly service: string = DEFAULT_KEYCHAIN_SERVICE) {}

  async read(entry: VaultEntry): Promise<Uint8Array | null> {
    const text = await (await keytar()).getPassword(this.service, entry);
    if (text === null) return null;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length > (MAX_ENTRY_BYTES * 4) / 3 + 4)
      throw new KeychainVaultError(`keychain item ${entry} is not a FieldRoot entry`);
    return new Uint8Array(Buffer.from(text, 'base64'));
  }

  async write(entry: VaultEntry, value: Uint8Array): Promise<void> {
    if (value.length > MAX_ENTRY_BYTES) throw new RangeError(`vault entry ${entry} is too large`);
    await (await keytar()).setPassword(this.service, entry, Buffer.from(value).toString('base64'));
  }

  async erase(entry: VaultEntry): Promise<boolean> {
    return (await keytar()).deletePassword(this.service, entry);
  }
}
