import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeEapTlsTypeData,
  deriveEapTlsKeys,
  EAP_TLS12_KEY_LABEL,
  EAP_TLS13_KEY_LABEL,
  encodeEapTlsTypeData,
  fragmentTlsMessage,
  TlsReassembler,
} from '../../../src/stack/eap/index.ts';
import type { EapTlsFragment } from '../../../src/stack/eap/index.ts';
import { DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';

const data = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);
const refusedWith = (re: RegExp) => (e: unknown) => e instanceof DecodeError && re.test(e.reason);

test('EAP-TLS flags and TLS Message Length layout (RFC 5216 §3.1)', () => {
  assert.equal(toHex(encodeEapTlsTypeData({ start: true, more: false, data: new Uint8Array(0) })), '20');
  assert.equal(
    toHex(
      encodeEapTlsTypeData({ start: false, more: true, tlsMessageLength: 0x1234, data: fromHex('1603') }),
    ),
    'c0000012341603',
  );
  assert.deepEqual(decodeEapTlsTypeData(fromHex('c0000012341603')), {
    start: false,
    more: true,
    tlsMessageLength: 0x1234,
    data: fromHex('1603'),
  });
  assert.deepEqual(decodeEapTlsTypeData(fromHex('00')), {
    start: false,
    more: false,
    data: new Uint8Array(0),
  });
  assert.throws(() => decodeEapTlsTypeData(fromHex('01')), refusedWith(/reserved flag bits/));
  assert.throws(() => decodeEapTlsTypeData(fromHex('2016')), refusedWith(/Start with L, M or data/));
  assert.throws(() => decodeEapTlsTypeData(fromHex('800000')), refusedWith(/truncated/));
  assert.throws(
    () => decodeEapTlsTypeData(fromHex('80000000011603')),
    refusedWith(/longer than the announced 1/),
  );
  assert.throws(() => decodeEapTlsTypeData(new Uint8Array(0)), DecodeError);
});

test('fragmentation: L on the first fragment, M on all but the last, sizes bounded', () => {
  const msg = data(1000);
  const frags = fragmentTlsMessage(msg, { maxDataPerFragment: 300 });
  assert.deepEqual(
    frags.map((f) => [f.data.length, f.more, f.tlsMessageLength]),
    [
      [300, true, 1000],
      [300, true, undefined],
      [300, true, undefined],
      [100, false, undefined],
    ],
  );
  const r = new TlsReassembler();
  const outs = frags.map((f) => r.push(decodeEapTlsTypeData(encodeEapTlsTypeData(f))));
  assert.deepEqual(outs.slice(0, 3), [null, null, null]);
  assert.deepEqual(outs[3], msg);
  assert.equal(r.busy, false);
  assert.deepEqual(fragmentTlsMessage(data(10), { maxDataPerFragment: 300 }), [
    { start: false, more: false, data: data(10) },
  ]);
  assert.equal(
    fragmentTlsMessage(data(10), { maxDataPerFragment: 300, lengthOnSingle: true })[0]!.tlsMessageLength,
    10,
  );
  assert.throws(() => fragmentTlsMessage(msg, { maxDataPerFragment: 0 }), RangeError);
});

test('reassembly limits: missing L, over the limit, longer or shorter than announced, changed L', () => {
  const frag = (more: boolean, n: number, len?: number): EapTlsFragment =>
    len === undefined
      ? { start: false, more, data: data(n) }
      : { start: false, more, tlsMessageLength: len, data: data(n) };

  const r = new TlsReassembler({ maxMessageLength: 1000 });
  assert.throws(() => r.push(frag(true, 10)), refusedWith(/without the L flag/));
  assert.throws(() => r.push(frag(true, 10, 1001)), refusedWith(/exceeds the limit 1000/));
  assert.equal(new TlsReassembler().push(frag(true, 10, 64 * 1024)), null); // default limit 64 KiB
  assert.throws(
    () => new TlsReassembler().push(frag(true, 10, 64 * 1024 + 1)),
    refusedWith(/exceeds the limit 65536/),
  );

  assert.equal(r.push(frag(true, 60, 100)), null);
  assert.throws(() => r.push(frag(false, 41)), refusedWith(/more than the announced 100/));
  assert.equal(r.busy, false, 'refusal resets the state');

  assert.equal(r.push(frag(true, 60, 100)), null);
  assert.throws(() => r.push(frag(false, 39)), refusedWith(/99 of the announced 100/));

  assert.equal(r.push(frag(true, 60, 100)), null);
  assert.throws(() => r.push(frag(true, 10, 200)), refusedWith(/changed from 100 to 200/));

  assert.equal(r.push(frag(true, 60, 100)), null);
  assert.deepEqual(r.push(frag(false, 40, 100)), new Uint8Array([...data(60), ...data(40)]));

  // Unfragmented without L is fine up to the limit, refused above it.
  assert.deepEqual(r.push(frag(false, 1000)), data(1000));
  assert.throws(() => r.push(frag(false, 1001)), refusedWith(/exceeds the limit 1000/));
  assert.throws(
    () => r.push({ start: true, more: false, data: new Uint8Array(0) }),
    refusedWith(/Start inside/),
  );
});

test('MSK/EMSK through the exporter callback use the RFC 9190 / RFC 5216 labels and context', () => {
  const calls: [string, number, string | undefined][] = [];
  const exporter = (label: string, length: number, context?: Uint8Array): Uint8Array => {
    calls.push([label, length, context && toHex(context)]);
    return data(length);
  };
  const k13 = deriveEapTlsKeys(exporter, '1.3');
  const k12 = deriveEapTlsKeys(exporter, '1.2');
  assert.deepEqual(calls, [
    [EAP_TLS13_KEY_LABEL, 128, '0d'],
    [EAP_TLS12_KEY_LABEL, 128, undefined],
  ]);
  assert.equal(EAP_TLS13_KEY_LABEL, 'EXPORTER_EAP_TLS_Key_Material');
  assert.equal(EAP_TLS12_KEY_LABEL, 'client EAP encryption');
  assert.deepEqual(k13.msk, data(128).slice(0, 64));
  assert.deepEqual(k12.emsk, data(128).slice(64));
  assert.throws(() => deriveEapTlsKeys(() => data(64), '1.3'), RangeError);
});

const fragment: fc.Arbitrary<EapTlsFragment> = fc.oneof(
  fc.constant<EapTlsFragment>({ start: true, more: false, data: new Uint8Array(0) }),
  fc
    .record({
      more: fc.boolean(),
      payload: fc.uint8Array({ maxLength: 80 }),
      extra: fc.option(fc.nat({ max: 5000 }), { nil: undefined }),
    })
    .map(
      ({ more, payload, extra }): EapTlsFragment =>
        extra === undefined
          ? { start: false, more, data: payload }
          : { start: false, more, tlsMessageLength: payload.length + extra, data: payload },
    ),
);

test('round trips: fragment codec, and fragment → reassemble for any message and size', () => {
  fc.assert(
    fc.property(fragment, (f) => assert.deepEqual(decodeEapTlsTypeData(encodeEapTlsTypeData(f)), f)),
    {
      numRuns: 1000,
    },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 700 }), (msg, max) => {
      const r = new TlsReassembler({ maxMessageLength: 4096 });
      let out: Uint8Array | null = null;
      for (const f of fragmentTlsMessage(msg, { maxDataPerFragment: max })) out = r.push(f);
      assert.deepEqual(out, msg);
    }),
    { numRuns: 300 },
  );
});

test('fuzz: EAP-TLS fragment decode throws only DecodeError', () => {
  const samples = fc.sample(fragment, { numRuns: 20, seed: 5 }).map((f) => encodeEapTlsTypeData(f));
  const { accepted, rejected } = fuzzDecoder((b) => decodeEapTlsTypeData(b), samples, { runs: 10_000 });
  assert.ok(accepted > 0 && rejected > 0);
});
