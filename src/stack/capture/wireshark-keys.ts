/**
 * The key table Wireshark needs to read a FieldRoot capture: its `ieee802154_keys` UAT, one
 * record per line, as stored in a profile's `ieee802154_keys` file or passed to tshark as
 * `-o uat:ieee802154_keys:<record>`.
 *
 * Only the simulator writes this (its keys are simulated); the tool never exports a key
 * (DESIGN.md §3.4). Two records per network key: the key itself with "ZigBee IP hash", from
 * which Wireshark derives the MAC key; and the MLE key with "No hash", because Wireshark 4.0's
 * MLE dissector decrypts with the MAC half of the hash (docs/protocol-decisions.md).
 */
import type { CryptoProvider } from '../crypto/index.ts';
import { deriveLinkKeys } from '../mle/link-keys.ts';
import { toHex } from '../wire/index.ts';

export interface NetworkKeyEntry {
  networkKey: Uint8Array;
  keyIndex: number;
}

/** UAT records (without the table name), e.g. `"c0c1…","1","ZigBee IP hash"`. */
export function wiresharkKeyRecords(crypto: CryptoProvider, keys: readonly NetworkKeyEntry[]): string[] {
  const records: string[] = [];
  for (const { networkKey, keyIndex } of keys) {
    if (!Number.isInteger(keyIndex) || keyIndex < 0 || keyIndex > 255)
      throw new RangeError('key index is a u8');
    const { mleKey } = deriveLinkKeys(crypto, networkKey);
    records.push(`"${toHex(networkKey)}","${keyIndex}","ZigBee IP hash"`);
    records.push(`"${toHex(mleKey)}","${keyIndex}","No hash"`);
  }
  return records;
}

/** The content of a Wireshark profile's `ieee802154_keys` file. */
export function wiresharkKeyFile(crypto: CryptoProvider, keys: readonly NetworkKeyEntry[]): string {
  return (
    '# Wireshark ieee802154_keys: decryption keys for a FieldRoot simulator capture\n' +
    wiresharkKeyRecords(crypto, keys)
      .map((r) => r + '\n')
      .join('')
  );
}
