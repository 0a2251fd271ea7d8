import { test } from 'node:test';
import assert from 'node:assert/strict';
import { echoFor, echoReply, echoRequest } from '../../../src/field/vpn/index.ts';
import { echoReplyFor } from '../../../src/headend/gateway/index.ts';
import { decodePacket, parseIpv6Address } from '../../../src/stack/ipv6/index.ts';
import { DecodeError } from '../../../src/stack/wire/index.ts';

const own = parseIpv6Address('fd00:1::2');
const other = parseIpv6Address('fd00:1::1');
const data = new Uint8Array([9, 8, 7]);

test('an echo request to our address is answered with identifier, sequence and data copied (RFC 4443 §4.2)', () => {
  const request = echoRequest(other, own, 0x1234, 5, data);
  const echo = echoFor(request, own);
  assert.ok(echo !== null, 'recognised as echo to us');
  const reply = decodePacket(echoReply(echo));
  assert.deepEqual(reply.source, own);
  assert.deepEqual(reply.destination, other);
  assert.deepEqual(reply.upper, {
    kind: 'icmpv6',
    message: { kind: 'echo-reply', identifier: 0x1234, sequence: 5, data },
  });
  assert.deepEqual(echoReplyFor(request, own), echoReply(echo), 'the gateway builds the same reply');
});

test('echo to another address, or anything but echo, is not ours to answer', () => {
  assert.equal(echoFor(echoRequest(own, other, 1, 1, data), own), null);
  assert.equal(echoReplyFor(echoRequest(own, other, 1, 1, data), own), null);
  const reply = echoReply(echoFor(echoRequest(other, own, 1, 1, data), own)!);
  assert.equal(echoReplyFor(reply, other), null, 'a reply is never answered');
});

test('ICMPv6 to our address with a bad checksum is a DecodeError, not an answer', () => {
  const request = echoRequest(other, own, 1, 1, data);
  request[42]! ^= 0xff;
  assert.throws(() => echoFor(request, own), DecodeError);
  assert.throws(() => echoReplyFor(request, own), DecodeError);
});
