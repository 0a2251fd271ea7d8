import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  detectImportFormat,
  MeterImportError,
  parseMeterCredentialCsv,
  parseMeterCredentialJson,
} from '../../../src/headend/keys/index.ts';
import { EUI_A, EUI_B, PSK_A, PSK_B, toHex } from './fixtures.ts';

function refusal(run: () => unknown): MeterImportError {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof MeterImportError, `expected MeterImportError, got ${String(e)}`);
    return e;
  }
  assert.fail('the file was accepted');
}

test('a good CSV file yields every meter with its EUI-64 normalised and its PSK as secret bytes', () => {
  const csv = `\uFEFFmeter_id,eui64,psk_hex\r\n# comment\r\nM-1,${EUI_A.toUpperCase()},${PSK_A}\r\n\r\nM-2, ${EUI_B} ,${PSK_B.toUpperCase()}\r\n`;
  const entries = parseMeterCredentialCsv(csv);
  assert.deepEqual(
    entries.map((e) => [e.meterId, e.eui64, e.where]),
    [
      ['M-1', EUI_A, 'line 3'],
      ['M-2', EUI_B, 'line 5'],
    ],
  );
  assert.equal(toHex(entries[0]!.psk.expose()), PSK_A);
  assert.equal(toHex(entries[1]!.psk.expose()), PSK_B);
  assert.equal(String(entries[0]!.psk), '[secret PSK of M-1]', 'a PSK prints as a redaction marker');
});

test('a bad CSV line is reported with its line number and nothing is returned', () => {
  const csv = `meter_id,eui64,psk_hex\nM-1,${EUI_A},${PSK_A}\nM-2,${EUI_B}\n`;
  const err = refusal(() => parseMeterCredentialCsv(csv));
  assert.deepEqual(err.problems, [{ where: 'line 3', message: 'expected 3 fields, found 2' }]);
});

test('bad hex in a PSK or EUI-64 is refused with the line number, without echoing the PSK', () => {
  const badPsk = PSK_A.slice(0, 31) + 'g';
  const csv = `meter_id,eui64,psk_hex\nM-1,${EUI_A},${badPsk}\nM-2,00zz,${PSK_B}\nM-3,${EUI_B},${PSK_B.slice(2)}\n`;
  const err = refusal(() => parseMeterCredentialCsv(csv));
  assert.deepEqual(
    err.problems.map((p) => p.where),
    ['line 2', 'line 3', 'line 4'],
  );
  assert.match(err.problems[0]!.message, /PSK must be 32 hex digits/);
  assert.match(err.problems[1]!.message, /EUI-64 must be 16 hex digits/);
  assert.match(err.problems[2]!.message, /got 30 characters/);
  assert.ok(
    !err.message.includes(badPsk) && !err.message.includes(PSK_B.slice(2)),
    'no PSK text in the error',
  );
});

test('a duplicate meter id or EUI-64 names both lines', () => {
  const csv = `meter_id,eui64,psk_hex\nM-1,${EUI_A},${PSK_A}\nM-1,${EUI_B},${PSK_B}\nM-2,${EUI_A},${PSK_B}\n`;
  const err = refusal(() => parseMeterCredentialCsv(csv));
  assert.deepEqual(err.problems, [
    { where: 'line 3', message: 'duplicate meter id M-1 (first at line 2)' },
    { where: 'line 4', message: `duplicate EUI-64 ${EUI_A} (first at line 2)` },
  ]);
});

test('a CSV file without the header, or an all-zero PSK, is refused', () => {
  const noHeader = refusal(() => parseMeterCredentialCsv(`M-1,${EUI_A},${PSK_A}\n`));
  assert.equal(noHeader.problems[0]?.where, 'line 1');
  const zero = refusal(() =>
    parseMeterCredentialCsv(`meter_id,eui64,psk_hex\nM-1,${EUI_A},${'0'.repeat(32)}\n`),
  );
  assert.deepEqual(zero.problems, [{ where: 'line 2', message: 'PSK is all zeros' }]);
});

test('a good JSON array is accepted; bad entries are reported by index', () => {
  const good = parseMeterCredentialJson(
    JSON.stringify([
      { meterId: 'M-1', eui64: EUI_A, psk: PSK_A },
      { meterId: 'M-2', eui64: EUI_B, psk: PSK_B },
    ]),
  );
  assert.deepEqual(
    good.map((e) => e.meterId),
    ['M-1', 'M-2'],
  );
  const err = refusal(() =>
    parseMeterCredentialJson(
      JSON.stringify([
        { meterId: 'M-1', eui64: EUI_A, psk: PSK_A },
        { meterId: 'M-2', eui64: EUI_B, psk: PSK_B, extra: 1 },
        { meterId: 'M-3', eui64: EUI_B, psk: 5 },
        'M-4',
      ]),
    ),
  );
  assert.deepEqual(
    err.problems.map((p) => p.where),
    ['entry 1', 'entry 2', 'entry 3'],
  );
});

test('invalid JSON is reported by line without quoting the text', () => {
  const text = `[\n {"meterId": "M-1", "eui64": "${EUI_A}", "psk": "${PSK_A}"},\n ]`;
  const err = refusal(() => parseMeterCredentialJson(text));
  assert.equal(err.problems.length, 1);
  assert.match(err.problems[0]!.where, /^(line \d+|file)$/);
  assert.ok(!err.message.includes(PSK_A), 'the JSON error does not quote the PSK');
});

test('the format is taken from the file name, else from the content', () => {
  assert.equal(detectImportFormat('meters.JSON', 'meter_id'), 'json');
  assert.equal(detectImportFormat('meters.csv', '['), 'csv');
  assert.equal(detectImportFormat('meters.txt', '  ['), 'json');
  assert.equal(detectImportFormat('meters.txt', 'meter_id,eui64,psk_hex'), 'csv');
});
