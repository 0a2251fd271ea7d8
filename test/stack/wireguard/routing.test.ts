import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AllowedIps,
  formatIpPrefix,
  parseInnerPacket,
  parseIpAddress,
  parseIpPrefix,
} from '../../../src/stack/wireguard/index.ts';
import { DecodeError } from '../../../src/stack/wire/index.ts';
import { ipv4Packet, ipv6Packet, payload } from './device-harness.ts';

test('prefixes: parse, mask host bits, format', () => {
  assert.equal(formatIpPrefix(parseIpPrefix('10.1.2.3/8')), '10.0.0.0/8');
  assert.equal(formatIpPrefix(parseIpPrefix('fd00:1::2')), 'fd00:1::2/128');
  assert.equal(formatIpPrefix(parseIpPrefix('2001:db8::ffff/33')), '2001:db8::/33');
  assert.equal(formatIpPrefix(parseIpPrefix('0.0.0.0/0')), '0.0.0.0/0');
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0/8', '010.0.0.1', '1.2.3.4/08', 'fd00::/x', '']) {
    assert.throws(() => parseIpPrefix(bad), DecodeError, bad);
  }
});

test('allowed IPs: longest prefix wins; a prefix belongs to one peer', () => {
  const t = new AllowedIps<string>();
  t.insert(parseIpPrefix('::/0'), 'gateway');
  t.insert(parseIpPrefix('fd00:1::/64'), 'site');
  t.insert(parseIpPrefix('10.0.0.0/8'), 'v4');
  assert.equal(t.lookup(parseIpAddress('fd00:1::5').address), 'site');
  assert.equal(t.lookup(parseIpAddress('2001:db8::1').address), 'gateway');
  assert.equal(t.lookup(parseIpAddress('10.2.3.4').address), 'v4');
  assert.equal(t.lookup(parseIpAddress('192.0.2.1').address), null, 'no IPv4 default route');
  t.insert(parseIpPrefix('fd00:1::/64'), 'gateway');
  assert.equal(t.lookup(parseIpAddress('fd00:1::5').address), 'gateway', 'prefix moved');
  assert.deepEqual(t.prefixesOf('site'), []);
});

test('inner packets: padding stripped, sources read, garbage refused', () => {
  const v6 = ipv6Packet('fd00:1::2', 'fd00:1::1', payload('abc'));
  const padded = new Uint8Array(64);
  padded.set(v6);
  const p = parseInnerPacket(padded);
  assert.equal(p?.packet.length, 43);
  assert.deepEqual(p?.source, parseIpAddress('fd00:1::2').address);
  const v4 = parseInnerPacket(ipv4Packet('10.0.0.1', '10.0.0.2', payload('x')));
  assert.deepEqual([v4?.family, v4?.packet.length], [4, 21]);
  assert.equal(parseInnerPacket(v6.subarray(0, 42)), null, 'payload length beyond the data');
  assert.equal(parseInnerPacket(new Uint8Array(40).fill(0x50)), null, 'version 5');
  assert.equal(parseInnerPacket(new Uint8Array(10).fill(0x45)), null, 'short IPv4');
});
