import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualScheduler } from '../../../hardware/sim/clock/index.ts';
import {
  JoinTracker,
  TimerSet,
  TokenBucket,
  decapsulate,
  encapsulateWithSourceRoute,
  mayAnswerWithError,
  withoutRplOption,
} from '../../../src/field/mesh/index.ts';
import {
  IPV6_OPTION_TYPE,
  decodePacket,
  encodePacket,
  parseIpv6Address,
  type Ipv6Packet,
} from '../../../src/stack/ipv6/index.ts';

const A = parseIpv6Address('2001:db8:1:2::a');
const B = parseIpv6Address('2001:db8:1:2::b');
const ROOT = parseIpv6Address('2001:db8:1:2::1');
const HOST = parseIpv6Address('2001:db8:ffff::10');

function udpFromB(hopByHop?: Ipv6Packet['hopByHop']): Ipv6Packet {
  return {
    trafficClass: 0,
    flowLabel: 0,
    hopLimit: 63,
    source: B,
    destination: HOST,
    ...(hopByHop ? { hopByHop } : {}),
    upper: {
      kind: 'udp',
      datagram: { sourcePort: 3610, destinationPort: 3610, payload: Uint8Array.of(0x10, 0x81) },
    },
  };
}

const RPI = {
  kind: 'rpl' as const,
  rpl: {
    optionType: IPV6_OPTION_TYPE.RPL,
    down: false,
    rankError: false,
    forwardingError: false,
    instanceId: 0,
    senderRank: 512,
    subTlvs: new Uint8Array(0),
  },
};

describe('packet rewriting at the RPL domain edge', () => {
  it('removes the RPL Option and an emptied Hop-by-Hop header, keeps other options', () => {
    const stripped = decodePacket(encodePacket(withoutRplOption(udpFromB([RPI]))));
    assert.equal(stripped.hopByHop, undefined, 'no Hop-by-Hop header left');
    const other = { kind: 'unknown' as const, optionType: 0x3e, data: Uint8Array.of(1, 2) };
    const kept = decodePacket(encodePacket(withoutRplOption(udpFromB([RPI, other]))));
    assert.deepEqual(kept.hopByHop, [other], 'the unknown option stays');
  });

  it('tunnels with an RH3 whose last address is the target, and the target gets the inner packet back', () => {
    const inner = encodePacket(udpFromB());
    const outer = decodePacket(encodePacket(encapsulateWithSourceRoute(inner, ROOT, [A, B])));
    assert.deepEqual(outer.destination, A, 'outer destination: first hop');
    assert.equal(outer.routing?.segmentsLeft, 1, 'one segment left');
    assert.deepEqual(decapsulate(outer)?.bytes, inner, 'inner packet unchanged');
    assert.equal(decapsulate(decodePacket(inner)), undefined, 'a plain packet is not a tunnel');
  });

  it('never answers an ICMPv6 error with an error (RFC 4443 §2.4 (e))', () => {
    const error: Ipv6Packet = {
      ...udpFromB(),
      upper: { kind: 'icmpv6', message: { kind: 'time-exceeded', code: 0, invoking: new Uint8Array(8) } },
    };
    assert.equal(mayAnswerWithError(error), false, 'error → no error');
    assert.equal(mayAnswerWithError(udpFromB()), true, 'UDP → error allowed');
    assert.equal(
      mayAnswerWithError({ ...udpFromB(), destination: parseIpv6Address('ff02::1') }),
      false,
      'multicast → no error',
    );
  });
});

describe('engine parts', () => {
  it('token bucket: burst, then one per refill period', () => {
    const b = new TokenBucket({ burst: 2, refillMs: 1000 });
    assert.equal([b.take(0), b.take(0), b.take(0)].filter(Boolean).length, 2, 'burst of 2');
    assert.equal(b.take(999), false, 'nothing before the refill');
    assert.equal(b.take(1000), true, 'one after a period');
  });

  it('timer set: re-arming replaces, sync disarms unlisted names, cancelAll stops everything', () => {
    const clock = new VirtualScheduler();
    const fired: string[] = [];
    const t = new TimerSet(clock, (n) => fired.push(`${n}@${clock.now()}`));
    t.arm('rpl:trickle', 100);
    t.arm('rpl:trickle', 50);
    t.arm('rpl:expiry', 70);
    t.sync('rpl:', [{ name: 'rpl:trickle', at: 50 }]);
    t.arm('mle', 80);
    clock.runUntil(200);
    assert.deepEqual(
      fired,
      ['rpl:trickle@50', 'mle@80'],
      'only the current arming of each listed timer fired',
    );
    t.arm('mle', 300);
    t.cancelAll();
    clock.runUntil(400);
    assert.equal(fired.length, 2, 'nothing fires after cancelAll');
  });

  it('join tracker merges PANA, RPL and MLE and reports changes only', () => {
    const j = new JoinTracker();
    assert.equal(j.update(1n, 0, { pana: true })?.state, 'authenticating', 'PANA seen');
    assert.equal(j.update(1n, 1, { pana: true }), undefined, 'no change, no report');
    assert.equal(j.update(1n, 2, { routed: true })?.state, 'routed', 'DAO');
    assert.equal(j.update(1n, 3, { mleSynchronised: true })?.state, 'authenticated', 'MLE');
    assert.equal(
      j.update(2n, 0, { routed: false }),
      undefined,
      'unknown node with nothing to say is not tracked',
    );
    assert.equal(j.size, 1, 'one node tracked');
  });
});
