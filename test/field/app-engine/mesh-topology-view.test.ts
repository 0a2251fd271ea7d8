import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeshTopologyView } from '../../../src/field/app-engine/index.ts';

const ROOT = 0x00124b0000000001n;
const A = 0x00124b00000000a1n;
const B = 0x00124b00000000b2n;

/** A global address whose interface identifier is the EUI-64 with the U/L bit flipped (RFC 4291). */
function addressOf(eui: bigint): Uint8Array {
  const a = new Uint8Array(16);
  a[0] = 0xfd;
  const iid = eui ^ (0x02n << 56n);
  for (let i = 0; i < 8; i++) a[15 - i] = Number((iid >> BigInt(8 * i)) & 0xffn);
  return a;
}

test('hops follow the DAO parents to the root; ETX shows on links to the root only; a lost node is marked', () => {
  const view = new MeshTopologyView(ROOT, (eui) => (eui === A ? 'M-0001' : null));
  view.apply({ kind: 'node-joined-dodag', address: addressOf(A), eui: A, parent: addressOf(ROOT) });
  view.apply({ kind: 'node-joined-dodag', address: addressOf(B), eui: B, parent: addressOf(A) });
  assert.equal(view.apply({ kind: 'link-quality', eui: A, etx: 1.5 }), true);
  assert.equal(view.apply({ kind: 'link-quality', eui: B, etx: 3 }), false, 'B is not the root’s neighbour');
  const nodes = view.list();
  assert.deepEqual(
    nodes.map((n) => [n.eui64, n.hops, n.parent, n.linkEtx, n.state, n.meterId]),
    [
      ['00124b0000000001', 0, null, null, 'root', null],
      ['00124b00000000a1', 1, '00124b0000000001', 1.5, 'joined', 'M-0001'],
      ['00124b00000000b2', 2, '00124b00000000a1', null, 'joined', null],
    ],
  );
  view.apply({ kind: 'node-left', address: addressOf(B), eui: B, reason: 'expired' });
  assert.equal(view.list()[2]?.state, 'lost');
});

test('a parent loop being repaired gives no hop count instead of spinning', () => {
  const view = new MeshTopologyView(ROOT, () => null);
  view.apply({ kind: 'node-joined-dodag', address: addressOf(A), eui: A, parent: addressOf(B) });
  view.apply({ kind: 'node-joined-dodag', address: addressOf(B), eui: B, parent: addressOf(A) });
  assert.equal(view.hopsOf(A), null);
  assert.ok(
    view.list().every((n) => n.hops >= 0 && n.hops <= 255),
    'the view stays in range',
  );
});
