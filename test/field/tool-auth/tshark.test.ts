// A capture of the tool's whole PANA/EAP-TLS exchange, decoded by tshark (a program this project
// did not write): every datagram is PANA, the EAP-TLS conversation carries a TLS handshake, and
// tshark reports no malformed packet. A missing tshark fails naming the Debian package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  authenticateTool,
  UdpDatagramPort,
  type KeyServerDatagramPort,
} from '../../../src/field/tool-auth/index.ts';
import { encodeIpv6Header } from '../../../src/stack/ipv6/header.ts';
import { encodeUdp } from '../../../src/stack/ipv6/udp.ts';
import { concatBytes } from '../../../src/stack/wire/index.ts';
import { tsharkFields, tsharkProblems } from '../../support/tshark.ts';
import { pcap, LINKTYPE_IPV6 } from '../../stack/ipv6/tshark-local.ts';
import { startKeyServer, toolOptions } from './key-server-fixture.ts';

const TOOL = Uint8Array.from([0xfd, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 2]);
const KEY_SERVER = Uint8Array.from([0xfd, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0x07, 0x16]);
const TOOL_PORT = 49_152;
const PANA_PORT = 716; // RFC 5191 §11: tshark's PANA dissector listens here

function ipv6Udp(fromTool: boolean, payload: Uint8Array): Uint8Array {
  const [source, destination] = fromTool ? [TOOL, KEY_SERVER] : [KEY_SERVER, TOOL];
  const udp = encodeUdp(
    {
      sourcePort: fromTool ? TOOL_PORT : PANA_PORT,
      destinationPort: fromTool ? PANA_PORT : TOOL_PORT,
      payload,
    },
    source,
    destination,
  );
  const header = encodeIpv6Header(
    { trafficClass: 0, flowLabel: 0, nextHeader: 17, hopLimit: 64, source, destination },
    udp.length,
  );
  return concatBytes(header, udp);
}

test('the tool authentication capture decodes in tshark as PANA carrying EAP-TLS, with no malformed packet', async (t) => {
  const r = await startKeyServer(t);
  const udp = await UdpDatagramPort.open('127.0.0.1', r.port);
  t.after(() => udp.close());
  const frames: Uint8Array[] = [];
  const link: KeyServerDatagramPort = {
    send: (d) => {
      frames.push(ipv6Udp(true, d));
      udp.send(d);
    },
    onDatagram: (listener) =>
      udp.onDatagram((d) => {
        frames.push(ipv6Udp(false, d));
        listener(d);
      }),
  };
  const tool = await r.pki.issueTool('tool-capture');
  const { session } = await authenticateTool(toolOptions(r, tool, link));
  await session.logout();

  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-tool-auth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'tool-auth.pcap');
  writeFileSync(file, pcap(LINKTYPE_IPV6, frames));
  const rows = tsharkFields(file, [
    'frame.number',
    '_ws.col.Protocol',
    'pana.type',
    'eap.code',
    'eap.type',
    'tls.handshake.type',
  ]);
  assert.equal(rows.length, frames.length);
  assert.ok(
    rows.every((r) => r[2] !== ''),
    `every frame is PANA: ${JSON.stringify(rows.filter((r) => r[2] === ''))}`,
  );
  assert.ok(
    rows.some((r) => r[4]?.split(',').includes('13')),
    'EAP type 13 (EAP-TLS) is seen',
  );
  const handshakeTypes = new Set(rows.flatMap((r) => (r[5] ?? '').split(',')).filter((x) => x !== ''));
  assert.ok(handshakeTypes.has('1'), `tshark reassembled a ClientHello (${[...handshakeTypes].join(',')})`);
  assert.ok(handshakeTypes.has('2'), `tshark reassembled a ServerHello (${[...handshakeTypes].join(',')})`);
  assert.ok(
    rows.some((r) => r[3]?.split(',').includes('3')),
    'EAP-Success is seen',
  );
  assert.deepEqual(tsharkProblems(file), []);
});
