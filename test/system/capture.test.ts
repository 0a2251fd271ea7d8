// Issue #3 "Done when": the capture of a whole join decodes in tshark with the network key, with no
// malformed packet (DESIGN.md §7: conformance against a program this project did not write).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wiresharkKeyRecords, writeIeee802154Capture } from '../../src/stack/capture/index.ts';
import { EXPERT_SEVERITY, tsharkFields, tsharkProblems, type TsharkOptions } from '../support/tshark.ts';
import { VIRTUAL_MESH_PREFIX } from '../../src/cli/sim/virtual-system.ts';
import { joinAll, notJoined, virtualSystem } from './fixture.ts';

test('the capture of an isolated-area-20 join decodes in tshark with the network key, nothing malformed', async (t) => {
  const sys = await virtualSystem(t, 'isolated-area-20');
  const frames: { atMs: number; psdu: Uint8Array; channel: number }[] = [];
  sys.onAirFrame((f) => frames.push(f));
  assert.ok((await joinAll(sys, 240_000)) !== undefined, `not every meter joined: ${notJoined(sys)}`);
  sys.report().forEach((r, i) => {
    sys.ping(r.id, i);
    sys.runFor(500);
  });
  sys.runFor(5_000);
  assert.ok(frames.length > 200, `a whole join was captured (${frames.length} frames)`);

  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-capture-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'join.pcapng');
  writeFileSync(
    path,
    writeIeee802154Capture(
      frames.map((f) => ({
        timestampMicros: 1_790_000_000_000_000n + BigInt(Math.round(f.atMs * 1000)),
        frame: f.psdu,
        fcsType: 2,
        channel: f.channel,
      })),
    ),
  );
  const options: TsharkOptions = {
    uat: wiresharkKeyRecords(
      sys.crypto,
      sys.networkKeys().map((k) => ({ networkKey: k.key, keyIndex: k.index })),
    ).map((r) => `ieee802154_keys:${r}`),
    prefs: { '6lowpan.context0': `${VIRTUAL_MESH_PREFIX}/64`, 'udp.check_checksum': 'TRUE' },
    decodeAs: ['udp.port==716,pana'],
    twoPass: true,
  };
  assert.deepEqual(tsharkProblems(path, options, EXPERT_SEVERITY.ERROR), [], 'malformed or erroneous frames');
  // Warnings too, but one: a capture of every radio sees each echo request once per hop, and
  // tshark pairs a request with one reply only, so the other copies are "unanswered".
  assert.deepEqual(
    tsharkProblems(path, options).filter((p) => !/No response seen to ICMPv6 request/.test(p)),
    [],
    'tshark warnings',
  );
  const rows = tsharkFields(
    path,
    ['wpan.fcs_ok', 'wpan.decrypt_error', 'wpan.security', '_ws.col.Protocol'],
    options,
  );
  assert.equal(rows.length, frames.length, 'one row per frame');
  const secured = rows.filter((r) => r[2] === '1');
  assert.ok(secured.length > 50, `secured frames in the capture (${secured.length})`);
  assert.ok(
    rows.every((r) => r[0] === '1'),
    'every FCS checks',
  );
  assert.deepEqual(
    rows.filter((r) => (r[1] ?? '') !== ''),
    [],
    'every secured frame decrypts with the network key',
  );
  const protocols = new Set(rows.map((r) => r[3]));
  for (const p of ['PANA', 'ICMPv6'])
    assert.ok(protocols.has(p), `${p} is dissected after decryption (${[...protocols].join(', ')})`);
});
