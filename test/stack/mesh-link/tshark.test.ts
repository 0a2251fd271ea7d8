/**
 * Cross-check with a dissector this project did not write: what MeshLink and LinkSync put on air
 * (secured unicast and broadcast, a fragmented 1,200-byte datagram, unsecured PANA, MLE) is read
 * by tshark with the network key: FCS good, decrypted, reassembled, nothing malformed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeIeee802154Capture } from '../../../src/stack/capture/index.ts';
import {
  ALL_NODES_LINK_LOCAL,
  encodePacket,
  formatIpv6Address,
  linkLocalFromEui64,
} from '../../../src/stack/ipv6/index.ts';
import { BROADCAST, type LinkDestination, type MeshLink } from '../../../src/stack/mesh-link/index.ts';
import { deriveLinkKeys, LinkSync, type MleSend } from '../../../src/stack/mle/index.ts';
import { toHex } from '../../../src/stack/wire/index.ts';
import { tsharkFields, tsharkProblems, type TsharkOptions } from '../../support/tshark.ts';
import {
  echoPacket,
  global,
  METER,
  NETWORK_KEY,
  pair,
  PROVIDERS,
  RADIO,
  readingDatagram,
  TABLET,
  udpPacket,
} from './fixture.ts';

const crypto = PROVIDERS[0]!;

test('tshark reads MeshLink and LinkSync frames: decrypted, reassembled, FCS good, nothing malformed', (t) => {
  const { tablet, meter } = pair({ fcsLength: 4 });
  const frames: { psdu: Uint8Array; name: string; ipv6Source?: string; mleCommand?: number }[] = [];
  const emit = (from: MeshLink, name: string, bytes: Uint8Array, to: LinkDestination, secure: boolean) => {
    const r = from.send(0, bytes, to, { secure });
    assert.ok(r.ok, `${name}: sent`);
    r.psdus.forEach((psdu, i) => {
      frames.push({ psdu, name: `${name} #${i}` });
      // Feed the peer so LinkSync sees real traffic (and the frames are checked to be acceptable).
      const peer = from === tablet ? meter : tablet;
      const got = peer.receive(0, psdu, RADIO);
      assert.ok(
        got.kind !== 'dropped',
        `${name}: accepted by the peer (${got.kind === 'dropped' ? got.reason : ''})`,
      );
    });
    return r.psdus.length;
  };
  emit(tablet, 'ECHONET unicast', readingDatagram(30), METER, true);
  frames.at(-1)!.ipv6Source = formatIpv6Address(global(TABLET));
  emit(
    meter,
    'echo broadcast',
    encodePacket(echoPacket(linkLocalFromEui64(METER), ALL_NODES_LINK_LOCAL, new Uint8Array(6))),
    BROADCAST,
    true,
  );
  frames.at(-1)!.ipv6Source = formatIpv6Address(linkLocalFromEui64(METER));
  const n = emit(tablet, '1200-byte reading', readingDatagram(1152), METER, true);
  assert.ok(n > 1, 'fragmented');
  frames.at(-1)!.ipv6Source = formatIpv6Address(global(TABLET));
  emit(
    meter,
    'PANA unsecured',
    encodePacket(
      udpPacket(linkLocalFromEui64(METER), linkLocalFromEui64(TABLET), 716, 716, new Uint8Array(16)),
    ),
    TABLET,
    false,
  );
  const tabletSync = new LinkSync({ crypto, link: tablet, extendedAddress: TABLET });
  const meterSync = new LinkSync({ crypto, link: meter, extendedAddress: METER });
  const request = meterSync.requestLink(0, TABLET).find((o): o is MleSend => o.kind === 'send')!;
  emit(meter, 'MLE Link Request', encodePacket(LinkSync.packet(request)), TABLET, false);
  frames.at(-1)!.mleCommand = request.command;
  const u = request.payload;
  const answer = tabletSync
    .receive(0, {
      payload: u,
      ipv6Source: request.ipv6Source,
      ipv6Destination: request.ipv6Destination,
      macSource: METER,
      hopLimit: 255,
    })
    .find((o): o is MleSend => o.kind === 'send')!;
  emit(tablet, 'MLE Link Accept And Request', encodePacket(LinkSync.packet(answer)), METER, false);
  frames.at(-1)!.mleCommand = answer.command;

  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-mesh-link-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'mesh-link.pcapng');
  writeFileSync(
    path,
    writeIeee802154Capture(
      frames.map((f, i) => ({
        timestampMicros: 1_790_000_000_000_000n + BigInt(i) * 10_000n,
        frame: f.psdu,
        fcsType: 2,
        channel: 33,
        page: 9,
      })),
    ),
  );
  const { mleKey } = deriveLinkKeys(crypto, NETWORK_KEY);
  const options: TsharkOptions = {
    uat: [
      `ieee802154_keys:"${toHex(NETWORK_KEY)}","1","ZigBee IP hash"`,
      `ieee802154_keys:"${toHex(mleKey)}","1","No hash"`,
    ],
    prefs: { '6lowpan.context0': '2001:db8:1:2::/64', 'udp.check_checksum': 'TRUE' },
    decodeAs: ['udp.port==716,pana'],
    twoPass: true,
  };
  assert.deepEqual(tsharkProblems(path, options), [], 'tshark reports problems');
  const rows = tsharkFields(path, ['wpan.fcs_ok', 'wpan.decrypt_error', 'ipv6.src', 'mle.cmd'], options);
  assert.equal(rows.length, frames.length, 'one row per frame');
  frames.forEach((f, i) => {
    const [fcsOk, decryptError, src, cmd] = rows[i]!;
    assert.equal(fcsOk, '1', `${f.name}: FCS`);
    assert.equal(decryptError ?? '', '', `${f.name}: decrypted`);
    if (f.ipv6Source) assert.equal(src, f.ipv6Source, `${f.name}: IPv6 source after decryption/reassembly`);
    if (f.mleCommand !== undefined) assert.equal(cmd, String(f.mleCommand), `${f.name}: MLE command`);
  });
});
