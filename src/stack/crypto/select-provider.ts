/**
 * Start-up choice of the crypto back-end (DESIGN.md §3.5): node when node:crypto has the
 * required primitives and passes the known-answer tests, js otherwise. FIELDROOT_CRYPTO=node|js
 * forces one (forcing node on a runtime that cannot do it is an error, not a silent fallback).
 */
import type { CryptoProvider } from './provider.ts';
import { CryptoError } from './provider.ts';
import { createNodeProvider } from './node-provider.ts';
import { createJsProvider } from './js-provider.ts';

export const CRYPTO_ENV_VAR = 'FIELDROOT_CRYPTO';

export interface CryptoSelection {
  backend: 'node' | 'js';
  /** Human-readable reasons for the choice and for each optional primitive's source. */
  reasons: string[];
}

export interface SelectedProvider {
  provider: CryptoProvider;
  selection: CryptoSelection;
}

/** Chooses a back-end; `forced` is the value of FIELDROOT_CRYPTO (undefined or '' = automatic). */
export function selectProvider(forced: string | undefined): SelectedProvider {
  const reasons: string[] = [];
  const choice = forced?.trim().toLowerCase() ?? '';
  if (choice === 'js') {
    reasons.push(`${CRYPTO_ENV_VAR}=js forces the pure-JavaScript back-end`);
    return { provider: createJsProvider(), selection: { backend: 'js', reasons } };
  }
  if (choice === 'node') {
    reasons.push(`${CRYPTO_ENV_VAR}=node forces the node:crypto back-end`);
    const provider = createNodeProvider(); // throws CryptoError if node:crypto cannot do it
    reasons.push(...provider.details.reasons);
    return { provider, selection: { backend: 'node', reasons } };
  }
  if (choice !== '')
    reasons.push(`${CRYPTO_ENV_VAR}=${forced} is neither "node" nor "js"; choosing automatically`);
  try {
    const provider = createNodeProvider();
    reasons.push(
      'node:crypto has AES-128-ECB/CTR, SHA-256, HMAC and X25519 and passed the known-answer tests',
    );
    reasons.push(...provider.details.reasons);
    return { provider, selection: { backend: 'node', reasons } };
  } catch (e) {
    const why = e instanceof CryptoError ? e.message : `node:crypto unusable: ${String(e)}`;
    reasons.push(`${why}; using the pure-JavaScript back-end`);
    return { provider: createJsProvider(), selection: { backend: 'js', reasons } };
  }
}

let selected: SelectedProvider | undefined;

function envValue(): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.[CRYPTO_ENV_VAR];
}

/** The process-wide provider, selected on first use and then fixed. */
export function getCrypto(): CryptoProvider {
  selected ??= selectProvider(envValue());
  return selected.provider;
}

/** Which back-end getCrypto() uses and why (selects it if not yet done). */
export function cryptoSelection(): CryptoSelection {
  selected ??= selectProvider(envValue());
  return { backend: selected.selection.backend, reasons: [...selected.selection.reasons] };
}
