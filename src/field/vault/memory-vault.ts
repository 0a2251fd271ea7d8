/**
 * An in-memory credential vault, for tests only: the app uses the OS keychain (main/vault). It
 * keeps copies so a caller that wipes what it read does not wipe the vault.
 */
import type { CredentialVault, VaultEntry } from './credential-vault.ts';

export class MemoryVault implements CredentialVault {
  private readonly entries = new Map<VaultEntry, Uint8Array>();

  read(entry: VaultEntry): Promise<Uint8Array | null> {
    return Promise.resolve(this.entries.get(entry)?.slice() ?? null);
  }

  write(entry: VaultEntry, value: Uint8Array): Promise<void> {
    this.entries.get(entry)?.fill(0);
    this.entries.set(entry, value.slice());
    return Promise.resolve();
  }

  erase(entry: VaultEntry): Promise<boolean> {
    const old = this.entries.get(entry);
    old?.fill(0);
    return Promise.resolve(this.entries.delete(entry));
  }

  /** Entry names present (tests check nothing else was written). */
  names(): VaultEntry[] {
    return [...this.entries.keys()];
  }
}
