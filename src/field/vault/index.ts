/** The tool's credential vault (DESIGN.md §5): interface, in-memory test vault, handshake clock. */
export { VAULT_ENTRY, eraseAll, readSecret, readText, writeText } from './credential-vault.ts';
export type { CredentialVault, VaultEntry } from './credential-vault.ts';
export { MemoryVault } from './memory-vault.ts';
export { PersistedHandshakeClock } from './handshake-clock.ts';
