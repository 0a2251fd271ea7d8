/** The credential vault on the OS keychain through keytar. */
export { KeytarVault, KeychainVaultError, DEFAULT_KEYCHAIN_SERVICE } from './keytar-vault.ts';
