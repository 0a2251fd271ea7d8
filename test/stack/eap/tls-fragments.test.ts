// EapTlsFragments (src/stack/eap/tls-fragments.ts), the fragment bookkeeping both EAP-TLS roles
// share (RFC 5216 §3.1, unchanged by RFC 9190): outgoing messages split at the boundary sizes,
// incoming fragments reassembled, and bad fragments refused without throwing and without losing
// the message under reassembly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_EAP_TLS_FRAGMENT,
  EapTlsFragments,
  encodeEapTlsTypeData,
  isAcknowledgement,
  TlsReassembler,
} from '../../../src/stack/eap/index.ts';
import type { EapTlsFragment, IncomingFragment } from '../../../src/stack/eap/index.ts';
import { DecodeError } from '../../../src/stack/wire/index.ts';

const MAX = 100;
const message = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

/** Every fragment `send` + `next` produce for one message. */
function sendAll(sender: EapTlsFragments, msg: Uint8Array): EapTlsFragment[] {
  const out = [sender.send(msg)];
  for (let i = 0; i < 1000 && sender.sending; i++) out.push(sender.next()!);
  assert.equal(sender.sending, false, 'every fragment was handed out');
  assert.equal(sender.next(), undefined, 'nothing after the last fragment');
  return out;
}

const take = (receiver: EapTlsFragments, f: EapTlsFragment): IncomingFragment =>
  receiver.take(encodeEapTlsTypeData(f));

test('fragmentation at the boundary sizes: L and M only when a message needs more than one fragment', () => {
  const cases: [number, number][] = [
    [1, 1],
    [MAX - 1, 1],
    [MAX, 1],
    [MAX + 1, 2],
    [2 * MAX, 2],
    [2 * MAX + 1, 3],
  ];
  for (const [size, count] of cases) {
    const msg = message(size);
    const frags = sendAll(new EapTlsFragments({ maxDataPerFragment: MAX }), msg);
    assert.equal(frags.length, count, `${size} bytes in ${count} fragment(s)`);
    assert.ok(
      frags.every((f) => f.data.length <= MAX && !f.start),
      `${size}: no fragment over ${MAX} bytes`,
    );
    assert.deepEqual(
      frags.map((f) => f.more),
      frags.map((_, i) => i < count - 1),
      `${size}: M on all but the last`,
    );
    assert.deepEqual(
      frags.map((f) => f.tlsMessageLength),
      frags.map((_, i) => (count > 1 && i === 0 ? size : undefined)),
      `${size}: L (the whole length) on the first fragment of a fragmented message only`,
    );

    // The other role reassembles it, acknowledging each fragment that has M set.
    const receiver = new EapTlsFragments({ maxDataPerFragment: MAX });
    const kinds = frags.map((f) => take(receiver, f));
    assert.deepEqual(
      kinds.slice(0, -1).map((k) => k.kind),
      Array<string>(count - 1).fill('partial'),
      `${size}: each fragment but the last is to be acknowledged`,
    );
    const last = kinds.at(-1)!;
    assert.equal(last.kind, 'message', `${size}: the last fragment completes the message`);
    assert.deepEqual(last.kind === 'message' ? [...last.message] : [], [...msg], `${size}: same bytes`);
  }
});

test('an empty flight is an acknowledgement; the default fragment size fits a 1280-byte IPv6 MTU', () => {
  const sender = new EapTlsFragments();
  const first = sender.send(new Uint8Array(0));
  assert.ok(isAcknowledgement(first), 'an empty message goes out as the empty acknowledgement');
  assert.equal(sender.sending, false, 'nothing waits for an acknowledgement');
  const frags = sendAll(sender, message(DEFAULT_EAP_TLS_FRAGMENT + 1));
  assert.equal(frags.length, 2, 'one byte over the default size makes two fragments');
  assert.ok(DEFAULT_EAP_TLS_FRAGMENT + 5 + 5 + 80 + 16 + 8 + 40 <= 1280, 'headers and AVPs fit the MTU');
});

test('a TLS Message Length that changes mid-message is refused, and the genuine next fragment still completes it', () => {
  const msg = message(250);
  const [a, b, c] = sendAll(new EapTlsFragments({ maxDataPerFragment: MAX }), msg);
  const receiver = new EapTlsFragments({ maxDataPerFragment: MAX });
  assert.equal(take(receiver, a!).kind, 'partial');
  assert.deepEqual(take(receiver, { ...b!, tlsMessageLength: 251 }), {
    kind: 'refused',
    reason: 'inconsistent EAP-TLS fragment',
  });
  // A last fragment that would leave the message short of its announced length: refused, kept.
  assert.equal(take(receiver, { ...c!, more: false }).kind, 'refused', 'short of the announced length');
  assert.equal(take(receiver, b!).kind, 'partial');
  const done = take(receiver, c!);
  assert.equal(done.kind, 'message', 'the message survived the bad fragments');
  assert.deepEqual(done.kind === 'message' ? [...done.message] : [], [...msg]);
});

test('a fragment longer than the Length it announces does not decode', () => {
  const receiver = new EapTlsFragments({ maxDataPerFragment: MAX });
  const typeData = encodeEapTlsTypeData({
    start: false,
    more: true,
    tlsMessageLength: 10,
    data: message(11),
  });
  assert.deepEqual(receiver.take(typeData), { kind: 'refused', reason: 'malformed EAP-TLS' });
  assert.deepEqual(receiver.take(Uint8Array.of(0x01)), { kind: 'refused', reason: 'malformed EAP-TLS' });
});

test('M without L on the first fragment is refused (DecodeError in the reassembler); the next message is taken', () => {
  const noLength: EapTlsFragment = { start: false, more: true, data: message(MAX) };
  assert.throws(() => new TlsReassembler().push(noLength), DecodeError);
  const receiver = new EapTlsFragments({ maxDataPerFragment: MAX });
  assert.deepEqual(take(receiver, noLength), { kind: 'refused', reason: 'inconsistent EAP-TLS fragment' });
  const next = take(receiver, { start: false, more: false, data: message(5) });
  assert.equal(next.kind, 'message', 'a whole message after the refusal is reassembled');
});

test('reassembly over the limit is refused with DecodeError, announced or not', () => {
  const limit = 1000;
  const announced: EapTlsFragment = {
    start: false,
    more: true,
    tlsMessageLength: limit + 1,
    data: message(MAX),
  };
  assert.throws(() => new TlsReassembler({ maxMessageLength: limit }).push(announced), DecodeError);
  const unannounced = new TlsReassembler({ maxMessageLength: limit });
  assert.throws(() => unannounced.push({ start: false, more: false, data: message(limit + 1) }), DecodeError);
  assert.equal(unannounced.busy, false, 'the reassembler reset itself');

  const receiver = new EapTlsFragments({ maxDataPerFragment: MAX, maxMessageLength: limit });
  assert.deepEqual(take(receiver, announced), { kind: 'refused', reason: 'inconsistent EAP-TLS fragment' });
  const exact = sendAll(new EapTlsFragments({ maxDataPerFragment: MAX }), message(limit));
  const kinds = exact.map((f) => take(receiver, f).kind);
  assert.equal(kinds.at(-1), 'message', 'a message of exactly the limit is accepted');
});

test('Start mid-message, and TLS data while our own fragments wait for an acknowledgement, are refused', () => {
  const receiver = new EapTlsFragments({ maxDataPerFragment: MAX });
  assert.equal(take(receiver, { start: true, more: false, data: new Uint8Array(0) }).kind, 'start');
  const [first] = sendAll(new EapTlsFragments({ maxDataPerFragment: MAX }), message(150));
  assert.equal(take(receiver, first!).kind, 'partial');
  assert.deepEqual(take(receiver, { start: true, more: false, data: new Uint8Array(0) }), {
    kind: 'refused',
    reason: 'Start mid-message',
  });

  const sender = new EapTlsFragments({ maxDataPerFragment: MAX });
  sender.send(message(150));
  assert.deepEqual(take(sender, { start: false, more: false, data: message(3) }), {
    kind: 'refused',
    reason: 'TLS data while our fragments wait for an acknowledgement',
  });
  assert.equal(take(sender, { start: false, more: false, data: new Uint8Array(0) }).kind, 'acknowledgement');
  assert.equal(sender.next()?.data.length, 50, 'the acknowledgement releases the last 50 bytes');
});
