// EAP-TLS peer and server (src/stack/eap/tls-peer.ts, tls-server.ts) driven packet by packet over
// the real TLS engines of the two edges (Node TLS over a Duplex), with certificates from the real
// head-end CA: fragmentation and acknowledgements, MSK/EMSK agreement, and hostile packets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { NodeTlsClientEngine } from '../../../src/field/tool-auth/index.ts';
import { NodeTlsServerEngine } from '../../../src/headend/keys/index.ts';
import {
  createEapTlsPeer,
  createEapTlsServer,
  decodeEapPacket,
  decodeEapTlsTypeData,
  EAP_CODE,
  EAP_TLS13_KEY_LABEL,
  EAP_TYPE,
  encodeEapPacket,
  encodeEapTlsTypeData,
  type EapKeys,
  type EapStep,
  type EapTlsPeer,
  type EapTlsServer,
} from '../../../src/stack/eap/index.ts';
import { random } from '../../headend/keys/fixtures.ts';
import {
  KEY_SERVER_NAME,
  openTestPki,
  type TestPki,
  type ToolCredentials,
} from '../../field/tool-auth/certificates.ts';

interface Pair {
  peer: EapTlsPeer;
  server: EapTlsServer;
  client: NodeTlsClientEngine;
  /** Resolves at the next onSettled of either engine. */
  settled(): Promise<void>;
  close(): void;
}

function pair(pki: TestPki, tool: ToolCredentials, maxVersion: '1.2' | '1.3', fragment = 300): Pair {
  let wake: () => void = () => {};
  const onSettled = () => wake();
  const client = new NodeTlsClientEngine({
    certificate: tool.certificate,
    privateKey: tool.privateKey,
    caCertificate: pki.ca.certificatePem,
    serverName: KEY_SERVER_NAME,
    maxVersion,
    onSettled,
  });
  const serverEngine = new NodeTlsServerEngine({
    context: createSecureContext({
      cert: pki.server.certificate,
      key: pki.server.privateKey,
      ca: [pki.ca.certificatePem],
    }),
    caCertificate: new X509Certificate(pki.ca.certificatePem),
    identifyClient: (c) => pki.ca.identifyClient(c),
    onSettled,
  });
  return {
    peer: createEapTlsPeer({ engine: client, maxDataPerFragment: fragment }),
    server: createEapTlsServer({ engine: serverEngine, random, maxDataPerFragment: fragment }),
    client,
    settled: () => new Promise<void>((resolve) => (wake = resolve)),
    close: () => {
      client.close();
      serverEngine.close();
    },
  };
}

/** Feeds `packet` to `m` and waits (bounded) for a pending step to finish. */
async function feed(
  p: Pair,
  m: { receive(b: Uint8Array): EapStep; resume(): EapStep | undefined },
  packet: Uint8Array,
): Promise<EapStep> {
  const waiting = p.settled();
  let step = m.receive(packet);
  for (let i = 0; step.pending && i < 20; i++) {
    await Promise.race([waiting, new Promise((r) => setTimeout(r, 5_000))]);
    step = m.resume() ?? { pending: true };
  }
  assert.ok(!step.pending, 'the TLS engine settled');
  return step;
}

interface Run {
  peerKeys?: EapKeys;
  serverKeys?: EapKeys;
  peerFailure?: string;
  serverFailure?: string;
  toPeer: Uint8Array[];
  toServer: Uint8Array[];
}

/** Runs the whole conversation; `meddle` may inject packets before each delivery. */
async function converse(
  p: Pair,
  meddle?: (to: 'peer' | 'server', next: Uint8Array) => Uint8Array[],
): Promise<Run> {
  const run: Run = { toPeer: [], toServer: [] };
  let toPeer = p.server.start().send!;
  for (let round = 0; round < 60; round++) {
    for (const junk of meddle?.('peer', toPeer) ?? []) {
      const s = p.peer.receive(junk);
      assert.ok(
        s.discarded !== undefined && !s.send,
        'hostile packet discarded by the peer without an answer',
      );
    }
    run.toPeer.push(toPeer);
    const a = await feed(p, p.peer, toPeer);
    if (a.outcome) {
      if (a.outcome.result === 'success') run.peerKeys = a.outcome.keys;
      else run.peerFailure = a.outcome.reason;
      return run;
    }
    assert.ok(a.send, `the peer answered (${a.discarded ?? ''})`);
    for (const junk of meddle?.('server', a.send) ?? []) {
      const s = p.server.receive(junk);
      assert.ok(
        s.discarded !== undefined && !s.send,
        'hostile packet discarded by the server without an answer',
      );
    }
    run.toServer.push(a.send);
    const b = await feed(p, p.server, a.send);
    if (b.outcome) {
      if (b.outcome.result === 'success') run.serverKeys = b.outcome.keys;
      else run.serverFailure = b.outcome.reason;
    }
    assert.ok(b.send, `the server answered (${b.discarded ?? ''})`);
    toPeer = b.send;
  }
  assert.fail('the conversation did not end in 60 rounds');
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

for (const version of ['1.3', '1.2'] as const) {
  test(`EAP-TLS over TLS ${version}: both sides derive the same MSK and EMSK, fragments acknowledged`, async (t) => {
    const pki = await openTestPki();
    const tool = await pki.issueTool('tool-v' + version);
    const p = pair(pki, tool, version);
    t.after(() => p.close());
    const run = await converse(p);
    assert.ok(run.peerKeys && run.serverKeys, 'both sides succeeded');
    assert.equal(run.peerKeys.msk.length, 64);
    assert.equal(run.peerKeys.emsk.length, 64);
    assert.equal(hex(run.peerKeys.msk), hex(run.serverKeys.msk));
    assert.equal(hex(run.peerKeys.emsk), hex(run.serverKeys.emsk));
    assert.notEqual(hex(run.peerKeys.msk), hex(run.peerKeys.emsk));
    assert.equal(p.client.version, version);
    if (version === '1.3') {
      // RFC 9190 §2.3: Key_Material = TLS-Exporter("EXPORTER_EAP_TLS_Key_Material", 0x0D, 128).
      const km = p.client.exporter(EAP_TLS13_KEY_LABEL, 128, Uint8Array.of(0x0d));
      assert.equal(hex(run.peerKeys.msk), hex(km.slice(0, 64)));
      assert.equal(hex(run.peerKeys.emsk), hex(km.slice(64)));
    } else {
      // RFC 5216 §2.3: PRF-128(master, "client EAP encryption", client.random || server.random).
      const km = p.client.exporter('client EAP encryption', 128);
      assert.equal(hex(run.peerKeys.msk), hex(km.slice(0, 64)));
    }
    assert.equal(
      new TextDecoder().decode(p.server.peerId),
      'tool-v' + version,
      'identity = certificate device id',
    );
    // RFC 5216 §3.1: a fragmented message starts with L and M; each fragment is acknowledged by
    // an empty packet from the other side before the next one comes.
    const frags = run.toPeer.map((b) => decodeEapPacket(b)).filter((e) => e.code === EAP_CODE.REQUEST);
    const typeData = frags.map((e) => ('typeData' in e ? decodeEapTlsTypeData(e.typeData) : undefined));
    const firstOfMany = typeData.findIndex((f) => f?.more);
    assert.ok(firstOfMany >= 0, 'the server flight was fragmented at 300 bytes');
    assert.ok(
      typeData[firstOfMany]!.tlsMessageLength! > 300,
      'the first fragment announces the total length',
    );
    const ackAfter = decodeEapPacket(run.toServer[firstOfMany]!);
    assert.ok(
      'typeData' in ackAfter && ackAfter.typeData.length === 1 && ackAfter.typeData[0] === 0,
      'acknowledged',
    );
    assert.equal(decodeEapPacket(run.toPeer.at(-1)!).code, EAP_CODE.SUCCESS);
  });
}

test('garbage, truncated and inconsistent EAP-TLS packets are discarded and counted; the exchange still succeeds', async (t) => {
  const pki = await openTestPki();
  const tool = await pki.issueTool('tool-fuzz');
  const p = pair(pki, tool, '1.3');
  t.after(() => p.close());
  let n = 0;
  const run = await converse(p, (to, next) => {
    n++;
    const eap = decodeEapPacket(next);
    const code = to === 'peer' ? EAP_CODE.REQUEST : EAP_CODE.RESPONSE;
    const id = eap.identifier;
    const tls = (typeData: Uint8Array) =>
      encodeEapPacket({ code, identifier: id, type: EAP_TYPE.TLS, typeData });
    return [
      Uint8Array.from({ length: 3 + (n % 40) }, (_, i) => (i * 53 + n) & 0xff), // not EAP at all
      next.slice(0, Math.max(1, next.length - 3)), // truncated: Length no longer matches
      tls(Uint8Array.of(0x1f)), // reserved flag bits
      tls(
        encodeEapTlsTypeData({ start: false, more: false, tlsMessageLength: 5000, data: new Uint8Array(10) }),
      ),
      tls(Uint8Array.of(0x80, 0, 0, 0)), // L flag with a 3-byte length
    ];
  });
  assert.ok(run.peerKeys && run.serverKeys, 'the real exchange succeeded despite the junk');
  assert.equal(hex(run.peerKeys.msk), hex(run.serverKeys.msk));
  const count = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  assert.ok(
    count(p.peer.discards) >= 5 * (run.toPeer.length - 1),
    `peer discards counted (${count(p.peer.discards)})`,
  );
  assert.ok(count(p.server.discards) >= 5, `server discards counted (${count(p.server.discards)})`);
  assert.ok((p.peer.discards.get('malformed EAP packet') ?? 0) > 0, 'malformed EAP counted');
  assert.ok((p.peer.discards.get('malformed EAP-TLS') ?? 0) > 0, 'malformed EAP-TLS counted');
  assert.ok((p.peer.discards.get('inconsistent EAP-TLS fragment') ?? 0) > 0, 'inconsistent fragment counted');
});

test('random bytes never make either role throw', async () => {
  const pki = await openTestPki();
  const tool = await pki.issueTool('tool-r');
  const p = pair(pki, tool, '1.3');
  try {
    p.server.start();
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
    for (let i = 0; i < 5000; i++) {
      const len = next() % 40;
      const b = Uint8Array.from({ length: len }, () => next() & 0xff);
      // Half of them look like EAP-TLS so that the flag and fragment logic is reached.
      if (len >= 6 && i % 2 === 0) {
        b[0] = i % 4 === 0 ? EAP_CODE.REQUEST : EAP_CODE.RESPONSE;
        b[2] = 0;
        b[3] = len;
        b[4] = EAP_TYPE.TLS;
        b[5]! &= 0xe0; // valid flags, so the reassembler sees them
      }
      const a = p.peer.receive(b);
      const s = p.server.receive(b);
      assert.ok(!a.outcome && !s.outcome, 'random input never ends a method');
    }
  } finally {
    p.close();
  }
});

test('an EAP-Success before the handshake is complete is discarded by the peer', async (t) => {
  const pki = await openTestPki();
  const tool = await pki.issueTool('tool-s');
  const p = pair(pki, tool, '1.3');
  t.after(() => p.close());
  const start = p.server.start().send!;
  const hello = await feed(p, p.peer, start);
  assert.ok(hello.send, 'ClientHello sent');
  const early = p.peer.receive(
    encodeEapPacket({ code: EAP_CODE.SUCCESS, identifier: decodeEapPacket(start).identifier }),
  );
  assert.equal(early.outcome, undefined);
  assert.equal(early.discarded, 'EAP-Success before the TLS handshake completed');
});

test('a client certificate from another CA ends in EAP-Failure with the reason, on both sides', async (t) => {
  const pki = await openTestPki();
  const other = await openTestPki(Date.now, 'Other CA');
  const tool = await other.issueTool('tool-x');
  const p = pair(pki, tool, '1.3');
  t.after(() => p.close());
  const run = await converse(p);
  assert.equal(run.serverFailure, 'unknown-ca');
  assert.equal(run.serverKeys, undefined);
  assert.match(run.peerFailure ?? '', /EAP-Failure/);
  assert.equal(decodeEapPacket(run.toPeer.at(-1)!).code, EAP_CODE.FAILURE);
});
