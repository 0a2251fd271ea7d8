import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EchonetTransactions } from '../../../src/headend/amr/index.ts';
import type { TransactionResult } from '../../../src/headend/amr/index.ts';
import { EOJ, ESV, decodeFrame, encodeFrame } from '../../../src/stack/echonet/index.ts';

const METER = 'fd00:db8:20::1';

function harness() {
  const sent: { address: string; payload: Uint8Array }[] = [];
  const tx = new EchonetTransactions({ send: (address, payload) => sent.push({ address, payload }) });
  return { tx, sent };
}

const getE0 = {
  address: METER,
  deoj: EOJ.SMART_METER,
  esv: ESV.Get,
  properties: [{ epc: 0xe0, edt: new Uint8Array(0) }],
} as const;

function answer(request: Uint8Array, edt = Uint8Array.of(0, 0, 0, 42)): Uint8Array {
  const f = decodeFrame(request);
  return encodeFrame({
    tid: f.tid,
    seoj: f.deoj,
    deoj: f.seoj,
    esv: ESV.Get_Res,
    properties: [{ epc: 0xe0, edt }],
  });
}

describe('ECHONET transactions', () => {
  it('never throws on arbitrary datagrams, counts each as a drop and leaves the request pending', () => {
    const { tx } = harness();
    let settled = false;
    void tx.request(0, getE0).then(() => (settled = true));
    let inputs = 0;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        inputs++;
        tx.receive(METER, bytes);
      }),
      { numRuns: 10_000 },
    );
    const dropped = [...tx.drops.values()].reduce((a, b) => a + b, 0);
    assert.equal(dropped, inputs);
    assert.equal(tx.outstanding, 1);
    assert.equal(settled, false);
  });

  it('retransmits with the same TID and backoff; a late answer to the first attempt completes it', async () => {
    const { tx, sent } = harness();
    const result = tx.request(0, getE0);
    assert.equal(tx.earliestDeadline(), 10_000);
    tx.poll(10_000);
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[1]!.payload, sent[0]!.payload, 'same frame, same TID');
    assert.equal(tx.earliestDeadline(), 30_000, 'second wait is twice the first');
    tx.receive(METER, answer(sent[0]!.payload));
    const r: TransactionResult = await result;
    assert.equal(r.kind, 'reply');
    assert.equal(r.attempts, 2);
    assert.equal(tx.outstanding, 0);
  });

  it('gives up after the retries with the last drop reason', async () => {
    const { tx, sent } = harness();
    const result = tx.request(0, getE0);
    tx.receive('fd00:db8:20::99', answer(sent[0]!.payload)); // right TID, wrong sender
    tx.poll(10_000);
    tx.poll(30_000);
    tx.poll(70_000);
    assert.deepEqual(await result, { kind: 'timeout', attempts: 3, lastDrop: 'wrong-address' });
  });

  it('gives concurrent requests distinct TIDs and matches each answer to its own request', async () => {
    const { tx, sent } = harness();
    const a = tx.request(0, getE0);
    const b = tx.request(0, getE0);
    const [fa, fb] = sent.map((s) => decodeFrame(s.payload));
    assert.notEqual(fa!.tid, fb!.tid);
    tx.receive(METER, answer(sent[1]!.payload, Uint8Array.of(0, 0, 0, 2)));
    tx.receive(METER, answer(sent[0]!.payload, Uint8Array.of(0, 0, 0, 1)));
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra.kind === 'reply' && ra.frame.properties[0]!.edt[3], 1);
    assert.equal(rb.kind === 'reply' && rb.frame.properties[0]!.edt[3], 2);
  });
});
