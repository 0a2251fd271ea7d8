// PANA datagrams over the engine's northbound link (IPv6 packets): the encapsulation is checked
// with the strict IPv6/UDP decoders, foreign and corrupt packets are ignored or counted, and a
// whole tool authentication runs through it to the real key server (bridged to loopback UDP the
// way the gateway forwards tunnel traffic).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { authenticateTool, NorthboundDatagramPort } from '../../../src/field/tool-auth/index.ts';
import type { NorthboundLink, NorthboundLinkEvents } from '../../../src/field/northbound-link.ts';
import { decodeIpv6Header, encodeIpv6Header } from '../../../src/stack/ipv6/header.ts';
import { decodeUdp, encodeUdp } from '../../../src/stack/ipv6/udp.ts';
import { bytesEqual, concatBytes } from '../../../src/stack/wire/index.ts';
import { startKeyServer, toolOptions } from './key-server-fixture.ts';

const TOOL = Uint8Array.from([0xfd, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 2]);
const KEY_SERVER = Uint8Array.from([0xfd, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0x07, 0x16]);

class FakeLink extends EventEmitter<NorthboundLinkEvents> implements NorthboundLink {
  readonly state = 'up' as const;
  readonly sent: Uint8Array[] = [];
  send(packet: Uint8Array): void {
    this.sent.push(packet);
  }
}

function packet(
  source: Uint8Array,
  destination: Uint8Array,
  sport: number,
  dport: number,
  payload: Uint8Array,
) {
  const udp = encodeUdp({ sourcePort: sport, destinationPort: dport, payload }, source, destination);
  const header = encodeIpv6Header(
    { trafficClass: 0, flowLabel: 0, nextHeader: 17, hopLimit: 64, source, destination },
    udp.length,
  );
  return concatBytes(header, udp);
}

test('datagrams become IPv6/UDP packets to the key server port 716 and back; others are ignored or counted', () => {
  const link = new FakeLink();
  const port = new NorthboundDatagramPort({ link, toolAddress: TOOL, keyServerAddress: KEY_SERVER });
  const got: Uint8Array[] = [];
  port.onDatagram((d) => got.push(d));
  port.send(Uint8Array.of(1, 2, 3));
  const ip = decodeIpv6Header(link.sent[0]!);
  assert.ok(bytesEqual(ip.header.source, TOOL) && bytesEqual(ip.header.destination, KEY_SERVER), 'addresses');
  const udp = decodeUdp(ip.payload, ip.header.source, ip.header.destination); // verifies the checksum
  assert.equal(udp.destinationPort, 716);
  assert.deepEqual([...udp.payload], [1, 2, 3]);

  link.emit('packet', packet(KEY_SERVER, TOOL, 716, 716, Uint8Array.of(9)));
  link.emit('packet', packet(TOOL, KEY_SERVER, 716, 716, Uint8Array.of(8))); // wrong direction
  link.emit('packet', packet(KEY_SERVER, TOOL, 717, 716, Uint8Array.of(7))); // wrong port
  const corrupt = packet(KEY_SERVER, TOOL, 716, 716, Uint8Array.of(6));
  corrupt[corrupt.length - 1]! ^= 0xff; // checksum no longer matches
  link.emit('packet', corrupt);
  assert.deepEqual(
    got.map((d) => d[0]),
    [9],
    'only the key server datagram is delivered',
  );
  assert.equal(port.malformed, 1);
  port.close();
  link.emit('packet', packet(KEY_SERVER, TOOL, 716, 716, Uint8Array.of(5)));
  assert.equal(got.length, 1, 'nothing after close');
});

test('a tool authenticates to the real key server through the northbound link', async (t) => {
  const r = await startKeyServer(t);
  // The "gateway": tunnel packets to the key server become UDP datagrams, and back.
  const link = new FakeLink();
  const bridge = createSocket('udp4');
  t.after(() => bridge.close());
  await new Promise<void>((resolve) => bridge.bind(0, '127.0.0.1', resolve));
  link.send = (p) => {
    const ip = decodeIpv6Header(p);
    bridge.send(decodeUdp(ip.payload, ip.header.source, ip.header.destination).payload, r.port, '127.0.0.1');
  };
  bridge.on('message', (msg) => link.emit('packet', packet(KEY_SERVER, TOOL, 716, 716, new Uint8Array(msg))));
  const port = new NorthboundDatagramPort({ link, toolAddress: TOOL, keyServerAddress: KEY_SERVER });
  t.after(() => port.close());
  const tool = await r.pki.issueTool('tool-tunnel');
  const { session, networkKey } = await authenticateTool(toolOptions(r, tool, port));
  t.after(() => session.close());
  assert.ok(
    bytesEqual(networkKey.expose(), r.server.keys.currentKeys().current.key),
    'the network key arrived',
  );
});
