import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getCrypto } from '../../../src/stack/crypto/index.ts';
import { wiresharkKeyFile, wiresharkKeyRecords } from '../../../src/stack/capture/index.ts';
import { deriveLinkKeys } from '../../../src/stack/mle/index.ts';
import { fromHex, toHex } from '../../../src/stack/wire/index.ts';

const crypto = getCrypto();
const key = fromHex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf');

test('each network key yields a ZigBee IP hash record and an MLE-key record with the same index', () => {
  const records = wiresharkKeyRecords(crypto, [{ networkKey: key, keyIndex: 2 }]);
  assert.deepEqual(records, [
    `"c0c1c2c3c4c5c6c7c8c9cacbcccdcecf","2","ZigBee IP hash"`,
    `"${toHex(deriveLinkKeys(crypto, key).mleKey)}","2","No hash"`,
  ]);
  const file = wiresharkKeyFile(crypto, [
    { networkKey: key, keyIndex: 1 },
    { networkKey: fromHex('00'.repeat(16)), keyIndex: 2 },
  ]);
  assert.equal(file.split('\n').filter((l) => l.startsWith('"')).length, 4, 'two records per key');
  assert.throws(() => wiresharkKeyRecords(crypto, [{ networkKey: key, keyIndex: 256 }]), RangeError);
});
