/**
 * The persisted TAI64N clock: a tool whose clock stepped back after a restart still gets through
 * the gateway, which refuses any initiation not newer than the last it accepted (whitepaper §5.1).
 * The control case shows the lock-out the persisted clock prevents.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryVault, PersistedHandshakeClock, VAULT_ENTRY } from '../../../src/field/vault/index.ts';
import { VpnClient } from '../../../src/field/vpn/index.ts';
import { SecretBytes } from '../../../src/log/index.ts';
import { parseIpv6Address } from '../../../src/stack/ipv6/index.ts';
import { parseIpPrefix } from '../../../src/stack/wireguard/index.ts';
import { ADDR, tunnelPair, until } from '../../headend/gateway/tunnel-pair.ts';

const T = Date.UTC(2026, 10, 22, 5, 0, 0);
const HOUR = 3_600_000;

test('values strictly increase, survive a reopen, and never fall back with the clock', async () => {
  const vault = new MemoryVault();
  let now = T;
  const first = await PersistedHandshakeClock.open(vault, () => now);
  const a = first.wallClock();
  const b = first.wallClock(); // same millisecond: still later
  assert.equal(a, T);
  assert.equal(b, T + 1);
  await first.flush();
  now = T - HOUR; // the clock stepped back across a restart
  const second = await PersistedHandshakeClock.open(vault, () => now);
  assert.equal(second.wallClock(), T + 2);
  now = T + HOUR;
  assert.equal(second.wallClock(), T + HOUR, 'a clock ahead of the last value is used as is');
});

test('a malformed stored value is ignored, not trusted', async () => {
  const vault = new MemoryVault();
  await vault.write(VAULT_ENTRY.LAST_HANDSHAKE_TIMESTAMP, new Uint8Array([1, 2, 3]));
  const clock = await PersistedHandshakeClock.open(vault, () => T);
  assert.equal(clock.wallClock(), T);
});

function clientWith(pairKey: Uint8Array, port: number, gatewayKey: Uint8Array, wallClock: () => number) {
  return new VpnClient({
    privateKey: new SecretBytes(pairKey, 'client key'),
    tunnelAddress: parseIpv6Address(ADDR.client),
    gateway: {
      publicKey: gatewayKey,
      endpoint: `127.0.0.1:${String(port)}`,
      allowedIps: [parseIpPrefix('fd00:77::/64')],
      persistentKeepalive: 25,
    },
    clock: { now: () => performance.now(), wallClock },
  });
}

test('after a restart with the clock an hour back, the tool still handshakes; a naive clock is refused', async (t) => {
  const pair = await tunnelPair();
  t.after(() => pair.close());
  const vault = new MemoryVault();
  const key = pair.clientKey;
  const port = pair.gateway.port;

  const before = await PersistedHandshakeClock.open(vault, () => T);
  const first = clientWith(key, port, pair.gateway.publicKey, before.wallClock);
  await first.start();
  await until(() => first.state === 'up', 5_000, 'first handshake');
  await first.stop();
  await before.flush();

  // Control: a restart that trusts the stepped-back clock is refused by timestamp.
  const refusedBefore = pair.gateway.counters().device['replayed-initiation'];
  const naive = clientWith(key, port, pair.gateway.publicKey, () => T - HOUR);
  t.after(() => naive.stop());
  await naive.start();
  await until(
    () => pair.gateway.counters().device['replayed-initiation'] > refusedBefore,
    5_000,
    'the gateway refusing the old timestamp',
  );
  assert.notEqual(naive.state, 'up', 'an initiation with an older timestamp must not be accepted');
  await naive.stop();

  const after = await PersistedHandshakeClock.open(vault, () => T - HOUR);
  const second = clientWith(key, port, pair.gateway.publicKey, after.wallClock);
  t.after(() => second.stop());
  await second.start();
  await until(() => second.state === 'up', 5_000, 'handshake after the clock stepped back');
  assert.ok(after.lastIssued > T, 'the timestamp sent was after the last one the gateway accepted');
});
