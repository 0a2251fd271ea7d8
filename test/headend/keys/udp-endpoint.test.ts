import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEndpoint, endpointFromSocket, socketAddressOf } from '../../../src/headend/keys/index.ts';

test('an IPv4 peer maps to ::ffff:a.b.c.d and back (RFC 4291 §2.5.5.2)', () => {
  const e = endpointFromSocket('192.0.2.7', 716);
  assert.deepEqual([...e.address], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7]);
  assert.equal(socketAddressOf(e, 'udp4'), '192.0.2.7');
  assert.equal(socketAddressOf(e, 'udp6'), '::ffff:c000:207');
  assert.equal(describeEndpoint(e), '192.0.2.7:716');
});

test('IPv6 addresses round-trip in RFC 5952 text, zone ids dropped', () => {
  for (const text of ['::1', 'fe80::1:2', '2001:db8::', '2001:db8:0:1:1:1:1:1', '2001:0:0:1::1']) {
    assert.equal(socketAddressOf(endpointFromSocket(text, 1), 'udp6'), text);
  }
  assert.equal(socketAddressOf(endpointFromSocket('fe80::abcd%eth0', 1), 'udp6'), 'fe80::abcd');
  assert.equal(socketAddressOf(endpointFromSocket('::ffff:10.0.0.1', 1), 'udp4'), '10.0.0.1');
  assert.equal(describeEndpoint(endpointFromSocket('2001:db8::5', 716)), '[2001:db8::5]:716');
  assert.throws(() => endpointFromSocket('not-an-address', 1), RangeError);
});
