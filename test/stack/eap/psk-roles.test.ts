import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJsProvider, createNodeProvider } from '../../../src/stack/crypto/index.ts';
import {
  createEapPskPeer,
  createEapPskServer,
  decodeEapPacket,
  decodeEapPskPacket,
  EAP_CODE,
  EAP_TYPE,
  encodeEapPacket,
  identityPacket,
} from '../../../src/stack/eap/index.ts';
import type { EapPeerMethod, EapServerMethod, EapStep } from '../../../src/stack/eap/index.ts';
import { toHex } from '../../../src/stack/wire/index.ts';
import { EAP_PSK_VECTOR } from './psk-vectors.ts';

const PROVIDERS = [createNodeProvider(), createJsProvider()];

// FreeRADIUS rlm_eap_psk/eap_psk_tests.c vectors (psk-vectors.ts).
const V = EAP_PSK_VECTOR;

/** A random source that hands out the given chunks in order (then zeros). */
function scripted(...chunks: Uint8Array[]): (n: number) => Uint8Array {
  return (n) => {
    const c = chunks.shift();
    if (c && c.length === n) return c.slice();
    return new Uint8Array(n);
  };
}

function pair(
  crypto: (typeof PROVIDERS)[number],
  opts: { peerPsk?: Uint8Array; lookup?: (idP: Uint8Array) => Uint8Array | undefined } = {},
): { peer: EapPeerMethod; server: EapServerMethod } {
  const server = createEapPskServer({
    crypto,
    idS: V.idS,
    lookupPsk: opts.lookup ?? ((idP) => (toHex(idP) === toHex(V.idP) ? V.psk : undefined)),
    random: scripted(Uint8Array.of(1), V.randS),
  });
  const peer = createEapPskPeer({
    crypto,
    psk: opts.peerPsk ?? V.psk,
    idP: V.idP,
    random: scripted(V.randP),
  });
  return { peer, server };
}

/** Runs the conversation to its end; returns the last step of each side. */
function converse(peer: EapPeerMethod, server: EapServerMethod): { peerEnd: EapStep; serverEnd: EapStep } {
  let req = server.start();
  let serverEnd: EapStep = req;
  let peerEnd: EapStep = {};
  for (let i = 0; i < 10 && req.send; i++) {
    const resp = peer.receive(req.send);
    peerEnd = resp;
    if (!resp.send) break;
    req = server.receive(resp.send);
    serverEnd = req;
    if (req.outcome) {
      if (req.send) peerEnd = peer.receive(req.send);
      break;
    }
  }
  return { peerEnd, serverEnd };
}

for (const c of PROVIDERS) {
  test(`EAP-PSK peer and server reach success with the published MSK/EMSK (${c.backend})`, () => {
    const { peer, server } = pair(c);
    const { peerEnd, serverEnd } = converse(peer, server);
    assert.equal(serverEnd.outcome?.result, 'success', 'server succeeds');
    assert.equal(peerEnd.outcome?.result, 'success', 'peer succeeds on EAP Success');
    if (serverEnd.outcome?.result !== 'success' || peerEnd.outcome?.result !== 'success') return;
    assert.equal(toHex(serverEnd.outcome.keys.msk), V.msk);
    assert.equal(toHex(peerEnd.outcome.keys.msk), V.msk);
    assert.equal(toHex(peerEnd.outcome.keys.emsk), V.emsk);
    assert.equal(toHex(server.peerId!), toHex(V.idP), 'server learned ID_P');
    const success = decodeEapPacket(serverEnd.send!);
    assert.equal(success.code, EAP_CODE.SUCCESS);
    assert.equal(
      success.identifier,
      2,
      'Success carries the identifier of the last Response (first Request id 1, then 2)',
    );
  });

  test(`EAP-PSK with a wrong PSK ends in EAP Failure on both sides (${c.backend})`, () => {
    const { peer, server } = pair(c, { peerPsk: new Uint8Array(16).fill(7) });
    const { peerEnd, serverEnd } = converse(peer, server);
    assert.deepEqual(serverEnd.outcome, { result: 'failure', reason: 'MAC_P does not verify' });
    assert.equal(decodeEapPacket(serverEnd.send!).code, EAP_CODE.FAILURE);
    assert.equal(peerEnd.outcome?.result, 'failure', 'peer sees the failure');
  });
}

const c = PROVIDERS[0]!;

test('EAP-PSK server: unknown ID_P → EAP Failure, peer id still reported', () => {
  const { peer, server } = pair(c, { lookup: () => undefined });
  const { serverEnd } = converse(peer, server);
  assert.deepEqual(serverEnd.outcome, { result: 'failure', reason: 'unknown peer' });
  assert.equal(new TextDecoder().decode(server.peerId), 'bob@example.com');
});

test('EAP-PSK peer: forged MAC_S is discarded and counted, the genuine message 3 still works', () => {
  const { peer, server } = pair(c);
  const m1 = server.start();
  const m2 = peer.receive(m1.send!);
  const m3 = server.receive(m2.send!);
  const forged = m3.send!.slice();
  forged[22] = forged[22]! ^ 0x01; // first byte of MAC_S
  const r = peer.receive(forged);
  assert.equal(r.send, undefined, 'no answer to a forged message 3');
  assert.equal(r.outcome, undefined, 'no outcome from a forged message 3');
  assert.equal(peer.discards.get('EAP-PSK MAC_S does not verify'), 1);
  const m4 = peer.receive(m3.send!);
  const end = server.receive(m4.send!);
  assert.equal(end.outcome?.result, 'success', 'genuine message 3 completes');
});

test('EAP-PSK peer: a tampered PCHANNEL is discarded', () => {
  const { peer, server } = pair(c);
  const m2 = peer.receive(server.start().send!);
  const m3 = server.receive(m2.send!).send!.slice();
  m3[m3.length - 1] = m3[m3.length - 1]! ^ 0x80;
  const r = peer.receive(m3);
  assert.equal(r.discarded, 'EAP-PSK message 3 PCHANNEL tag does not verify');
});

test('EAP-PSK server: Response with a stale identifier is discarded; duplicate Request gets the same Response', () => {
  const { peer, server } = pair(c);
  const m1 = server.start().send!;
  const m2 = peer.receive(m1).send!;
  assert.deepEqual(
    peer.receive(m1).send,
    m2,
    'duplicate Request answered with the cached Response (RFC 3748 §4.1)',
  );
  const m3 = server.receive(m2);
  assert.ok(m3.send, 'server answers message 2');
  // Replaying message 2 now carries the old identifier.
  const again = server.receive(m2);
  assert.equal(again.discarded, 'EAP Response identifier mismatch');
});

test('EAP-PSK peer: Success before the protected result is discarded; Identity and other methods are answered', () => {
  const { peer } = pair(c);
  const early = peer.receive(encodeEapPacket({ code: EAP_CODE.SUCCESS, identifier: 1 }));
  assert.equal(early.discarded, 'EAP Success before the protected result indication');
  const id = peer.receive(encodeEapPacket(identityPacket(EAP_CODE.REQUEST, 9, new Uint8Array(0))));
  const idResp = decodeEapPacket(id.send!);
  assert.ok(idResp.code === EAP_CODE.RESPONSE && idResp.type === EAP_TYPE.IDENTITY, 'Identity Response');
  if (idResp.code === EAP_CODE.RESPONSE)
    assert.equal(new TextDecoder().decode(idResp.typeData), 'bob@example.com');
  const tls = peer.receive(
    encodeEapPacket({
      code: EAP_CODE.REQUEST,
      identifier: 10,
      type: EAP_TYPE.TLS,
      typeData: Uint8Array.of(0x20),
    }),
  );
  const nak = decodeEapPacket(tls.send!);
  assert.ok(nak.code === EAP_CODE.RESPONSE && nak.type === EAP_TYPE.NAK, 'Legacy Nak');
  if (nak.code === EAP_CODE.RESPONSE) assert.deepEqual([...nak.typeData], [EAP_TYPE.PSK]);
  assert.equal(peer.receive(Uint8Array.of(1, 2, 3)).discarded, 'malformed EAP packet');
});

test('EAP-PSK server: Nak ends in failure, and nothing is accepted afterwards', () => {
  const { server } = pair(c);
  const m1 = decodeEapPskPacket(server.start().send!);
  const nak = server.receive(
    encodeEapPacket({
      code: EAP_CODE.RESPONSE,
      identifier: m1.identifier,
      type: EAP_TYPE.NAK,
      typeData: Uint8Array.of(13),
    }),
  );
  assert.equal(nak.outcome?.result, 'failure', 'Nak is a failure');
  assert.equal(server.receive(new Uint8Array(4)).discarded, 'no EAP Request outstanding');
});
