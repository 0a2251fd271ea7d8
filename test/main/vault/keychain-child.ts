/**
 * Run inside a private D-Bus session with an unlocked gnome-keyring (keytar-vault.test.ts): stores
 * entries through KeytarVault, reads them back with a second vault object and through keytar
 * directly, erases them, and prints what it saw as one JSON line.
 */
import keytar from 'keytar';
import { KeytarVault } from '../../../main/vault/index.ts';
import { VAULT_ENTRY } from '../../../src/field/vault/index.ts';

const service = process.argv[2] ?? 'fieldroot-test';
const secret = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
const writer = new KeytarVault(service);
await writer.write(VAULT_ENTRY.WIREGUARD_PRIVATE_KEY, secret);
const reader = new KeytarVault(service);
const back = await reader.read(VAULT_ENTRY.WIREGUARD_PRIVATE_KEY);
const raw = await keytar.getPassword(service, VAULT_ENTRY.WIREGUARD_PRIVATE_KEY);
const absent = await reader.read(VAULT_ENTRY.DEVICE_PRIVATE_KEY);
const erased = await reader.erase(VAULT_ENTRY.WIREGUARD_PRIVATE_KEY);
const afterErase = await reader.read(VAULT_ENTRY.WIREGUARD_PRIVATE_KEY);
process.stdout.write(
  JSON.stringify({
    roundTrip: back !== null && Buffer.from(back).equals(Buffer.from(secret)),
    rawIsBase64OfSecret: raw === Buffer.from(secret).toString('base64'),
    absentIsNull: absent === null,
    erased,
    afterEraseIsNull: afterErase === null,
  }) + '\n',
);
