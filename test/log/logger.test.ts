import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { createLogger, DropCounter, memorySink, SecretBytes } from '../../src/log/index.ts';

const NETWORK_KEY = Uint8Array.from([
  0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
]);

test('a secret never reaches the log line, whatever the field name or nesting', () => {
  const sink = memorySink();
  const log = createLogger('field.pana', { sink, level: 'trace' });
  const secret = new SecretBytes(NETWORK_KEY, 'network key');
  log.info('key delivered', {
    nk: secret,
    nested: { deeper: [secret] },
    networkKey: 'c0c1c2c3',
    payload: NETWORK_KEY,
  });
  const line = sink.lines[0]!;
  const record = JSON.parse(line) as Record<string, unknown>;
  assert.equal(record.module, 'field.pana');
  assert.equal(record.level, 'info');
  assert.equal(record.nk, '[secret network key]');
  assert.equal(record.networkKey, '[redacted]');
  assert.deepEqual(record.payload, { bytes: 16 });
  assert.ok(!/c0c1|192,193/i.test(line), `line leaks key bytes: ${line}`);
  log.info('rekey', { keyIndex: 2 });
  assert.equal(
    (JSON.parse(sink.lines[1]!) as { keyIndex: number }).keyIndex,
    2,
    'non-secret key metadata stays readable',
  );
  assert.ok(!inspect(secret).includes('192'), 'inspect must not show the bytes');
  assert.equal(JSON.stringify({ secret }), '{"secret":"[secret network key]"}');
});

test('levels below the threshold are not written', () => {
  const sink = memorySink();
  const log = createLogger('m', { sink, level: 'warn' });
  log.info('quiet');
  log.error('loud', { code: 7 });
  assert.equal(sink.lines.length, 1);
  assert.equal((JSON.parse(sink.lines[0]!) as { code: number }).code, 7);
});

test('wiped secrets are zeroed and refuse use', () => {
  const s = new SecretBytes(NETWORK_KEY, 'k');
  const view = s.expose();
  s.wipe();
  assert.ok(view.every((b) => b === 0));
  assert.throws(() => s.expose(), /wiped/);
});

test('drop counter logs each kind once and counts every drop', () => {
  const sink = memorySink();
  const drops = new DropCounter(createLogger('radio', { sink }));
  for (let i = 0; i < 1000; i++) drops.drop('bad-fcs');
  drops.drop('oversize');
  assert.equal(drops.count('bad-fcs'), 1000);
  assert.equal(sink.lines.length, 2);
  assert.deepEqual(drops.snapshot(), { 'bad-fcs': 1000, oversize: 1 });
});
