/** Both crypto back-ends (DESIGN.md §3.5): every crypto-dependent WireGuard test runs on each. */
import { createJsProvider, createNodeProvider } from '../../../src/stack/crypto/index.ts';
import type { CryptoProvider } from '../../../src/stack/crypto/provider.ts';

export const BACKENDS: ReadonlyArray<readonly [string, CryptoProvider]> = [
  ['node', createNodeProvider()],
  ['js', createJsProvider()],
];
