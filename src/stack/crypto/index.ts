/** Public face of the crypto layer: the only place in src/stack that may touch node:crypto. */
export type { Aes128Block, CryptoProvider, SecurityLevel } from './provider.ts';
export { CryptoError } from './provider.ts';
export { getCrypto, cryptoSelection, selectProvider, CRYPTO_ENV_VAR } from './select-provider.ts';
export type { CryptoSelection, SelectedProvider } from './select-provider.ts';
export { createNodeProvider } from './node-provider.ts';
export type {
  NodeCryptoProvider,
  NodeProviderDetails,
  NodeProviderOptions,
  OptionalNodePrimitive,
} from './node-provider.ts';
export { createJsProvider } from './js-provider.ts';
export { CCM_NONCE_LENGTH, SECURITY_LEVEL_MIC_LENGTH, securityLevelEncrypts } from './ccm-star.ts';
export { EAX_TAG_LENGTH } from './eax.ts';
