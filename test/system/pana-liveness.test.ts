// A meter whose PAN-C never reaches its relay (a one-way link during the final PANA exchange)
// holds the network key and counts itself joined while the key server, its PAR-C unanswered,
// fails the session: found on town-200 with seed 7 (M-0051, M-0146, M-0159). The meter must learn
// it (a PNR-P ping, RFC 5191 §4.2) and authenticate again, so that key rotations reach it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RadioPort } from '../../hardware/sim/node/radio-port.ts';
import type { SimulatedMeter } from '../../hardware/sim/node/simulated-meter.ts';
import { PANA_FLAG, PANA_MESSAGE_TYPE, PANA_UDP_PORT } from '../../src/stack/pana/index.ts';
import { linkLocalFromEui64, type Ipv6Packet } from '../../src/stack/ipv6/index.ts';
import { notJoined, virtualSystem } from './fixture.ts';

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** RFC 5191 §6.2: Flags at octets 4–5, Message Type at 6–7. */
function isPanComplete(p: Ipv6Packet): boolean {
  if (p.upper.kind !== 'udp' || p.upper.datagram.destinationPort !== PANA_UDP_PORT) return false;
  const b = p.upper.datagram.payload;
  if (b.length < 8) return false;
  const flags = (b[4]! << 8) | b[5]!;
  const type = (b[6]! << 8) | b[7]!;
  return (
    type === PANA_MESSAGE_TYPE.AUTH && !(flags & PANA_FLAG.REQUEST) && (flags & PANA_FLAG.COMPLETE) !== 0
  );
}

test('a meter whose PAN-C was lost authenticates again and a later rotation reaches it', async (t) => {
  const sys = await virtualSystem(t, 'isolated-area-20', {
    keyPolicy: { activationDelayMs: 30_000, graceMs: 60_000 },
  });

  // The first meter to answer a PAR-C loses every PANA message it sends to its relay from then
  // on, until it gives the session up itself (its link to the relay "heals" only then).
  let victim: SimulatedMeter | undefined;
  let dropFrom: number | undefined;
  let dropped = 0;
  const gaveUp = (m: SimulatedMeter, since: number): boolean =>
    m.history.some((e) => e.at >= since && e.event.startsWith('join failed'));
  // Only its PaC's messages (to its PANA relay): as a relay itself it still serves its neighbours.
  const isOwnRelay = (m: SimulatedMeter, to: Uint8Array): boolean => {
    const relay = m.status().relay;
    return relay !== undefined && sameBytes(linkLocalFromEui64(relay), to);
  };
  const send = Object.getOwnPropertyDescriptor(RadioPort.prototype, 'send')!.value as RadioPort['send'];
  RadioPort.prototype.send = function (this: RadioPort, packet, ...rest) {
    const isPana = packet.upper.kind === 'udp' && packet.upper.datagram.destinationPort === PANA_UDP_PORT;
    if (!victim && isPanComplete(packet)) {
      victim = sys.field.meters.find((m) => sameBytes(linkLocalFromEui64(m.eui64), packet.source));
      dropFrom = sys.scheduler.now();
    }
    if (
      victim &&
      dropFrom !== undefined &&
      isPana &&
      sameBytes(linkLocalFromEui64(victim.eui64), packet.source) &&
      isOwnRelay(victim, packet.destination) &&
      !gaveUp(victim, dropFrom)
    ) {
      dropped++;
      return;
    }
    return send.call(this, packet, ...rest);
  };
  t.after(() => {
    RadioPort.prototype.send = send;
  });

  sys.start();
  const r = await sys.runUntilJoined({ limitMs: 240_000 });
  assert.ok(r.allJoined, `not every meter joined: ${notJoined(sys)}`);
  assert.ok(victim !== undefined && dropFrom !== undefined, 'a meter answered a PAR-C');
  assert.ok(dropped > 0, 'its PAN-C was dropped');
  const id = sys
    .report()
    .find((x) => x.eui64.toLowerCase() === victim!.eui64.toString(16).padStart(16, '0'))!.id;
  const inSession = () => sys.keyServer.metersInSession().has(id);
  const keyInForce = () => sys.keyServer.keys.currentKeys().current.index;

  // Bounded: the PAA's PAR-C retransmissions (≈ 8 min), the meter's ping and its retransmissions
  // (≈ 9 min), a back-off and a new join fit in 25 simulated minutes from the lost PAN-C.
  const limit = dropFrom + 25 * 60_000;
  while (!(inSession() && victim.state === 'joined' && victim.status().keyIndex === keyInForce())) {
    assert.ok(
      sys.scheduler.now() < limit,
      `${id} is ${victim.state} with key ${victim.status().keyIndex}, ` +
        `in session at the key server: ${inSession()}, ${(sys.scheduler.now() - dropFrom) / 1000} s after its lost PAN-C`,
    );
    sys.runFor(5_000);
    await sys.settle();
  }
  assert.ok(gaveUp(victim, dropFrom), `${id} gave its half-open session up and joined again`);
  const audit = await sys.store.repositories.audit.list({ limit: 10_000 });
  assert.ok(
    audit.some((a) => a.subject === id && a.action === 'pana.authenticate' && a.atMs >= dropFrom!),
    `${id} authenticated at the key server after its PAN-C was lost`,
  );

  // A rotation reaches it: the new key in force at the meter.
  const old = keyInForce();
  const rotated = sys.keyServer.rotate('test rotation', 'tester');
  await sys.settle();
  const next = await rotated;
  assert.notEqual(next, old, 'a new key index');
  for (let i = 0; i < 10 && victim.status().keyIndex !== next; i++) {
    sys.runFor(15_000);
    await sys.settle();
  }
  assert.equal(victim.status().keyIndex, next, `${id} transmits under the rotated key`);
  assert.equal(keyInForce(), next, 'the key server put the new key in force');
});
