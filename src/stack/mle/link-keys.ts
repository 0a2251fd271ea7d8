/**
 * ZigBee IP link keys from the network key: HMAC-SHA256(networkKey, "ZigBeeIP"), bytes 0–15 the
 * MLE key, bytes 16–31 the 802.15.4 MAC key.
 *
 * Sources: mbed-os nanostack `Security/PANA/pana.c` `pana_key_get` (HMAC keyed with the 16-byte
 * network key over "ZigBeeIP"; callers give `key_ptr + 16` to the MAC and `key_ptr` to MLE), and
 * Wireshark `packet-ieee802154.c` `ieee802154_key_post_update_cb`, the "ZigBee IP hash" key type
 * (upper 16 bytes → 802.15.4 key, lower 16 → `mle_key`).
 *
 * Wireshark 4.0 quirk (checked with tshark 4.0.17): its MLE dissector's default key lookup
 * (`packet-mle.c` `ieee802154_set_mle_key`) uses the row's 802.15.4 key, not `mle_key`, so a
 * "ZigBee IP hash" row alone decrypts MAC frames but not MLE. To read MLE, add a second
 * `ieee802154_keys` row with the MLE key itself, "No hash", same key index.
 */
import type { CryptoProvider } from '../crypto/provider.ts';

const ZIGBEE_IP_LABEL = new TextEncoder().encode('ZigBeeIP');

export interface LinkKeys {
  mleKey: Uint8Array;
  macKey: Uint8Array;
}

export function deriveLinkKeys(crypto: CryptoProvider, networkKey: Uint8Array): LinkKeys {
  if (networkKey.length !== 16) throw new RangeError(`network key must be 16 bytes, is ${networkKey.length}`);
  const digest = crypto.hmacSha256(networkKey, ZIGBEE_IP_LABEL);
  return { mleKey: digest.slice(0, 16), macKey: digest.slice(16, 32) };
}
