/**
 * `--keys-out`: the network keys the simulated meters received, as a Wireshark `ieee802154_keys`
 * table for the run's capture. The simulator may write keys because they are simulated; the tool
 * itself never exports one (DESIGN.md §3.4).
 */
import { writeFileSync } from 'node:fs';
import type { CryptoProvider } from '../../stack/crypto/index.ts';
import { wiresharkKeyFile, type NetworkKeyEntry } from '../../stack/capture/index.ts';

export class KeyTable {
  private readonly keys: NetworkKeyEntry[] = [];

  /** Records a key a meter installed (a copy); the same key at the same index is kept once. */
  add(keyIndex: number, key: Uint8Array): void {
    const seen = this.keys.some(
      (k) =>
        k.keyIndex === keyIndex &&
        k.networkKey.length === key.length &&
        k.networkKey.every((b, i) => b === key[i]),
    );
    if (!seen) this.keys.push({ keyIndex, networkKey: key.slice() });
  }

  get size(): number {
    return this.keys.length;
  }

  write(path: string, crypto: CryptoProvider): void {
    writeFileSync(path, wiresharkKeyFile(crypto, this.keys), { mode: 0o600 });
  }

  wipe(): void {
    for (const k of this.keys) k.networkKey.fill(0);
    this.keys.length = 0;
  }
}
