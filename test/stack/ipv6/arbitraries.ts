/** fast-check arbitraries for IPv6 packets, shared by the ipv6 and sixlowpan tests. */
import fc from 'fast-check';
import type { Icmpv6Message, Ipv6Option, Ipv6Packet } from '../../../src/stack/ipv6/index.ts';

/** fc.record with a normal prototype, so deepStrictEqual compares it with decoder output. */
export function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model).map((o) => ({ ...o }) as T);
}

export const addr = fc.uint8Array({ minLength: 16, maxLength: 16 });
export const unicast = addr.map((a) => {
  if (a[0] === 0xff) a[0] = 0xfd;
  return a;
});
export const meshAddr = fc
  .tuple(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.nat({ max: 16 }))
  .map(([iid, keep]) => {
    const a = Uint8Array.of(0xfd, 0, 0, 0, 0, 0, 0, 0, ...iid);
    a.fill(0, 8, 8 + Math.max(0, 8 - keep));
    return a;
  });
export const rplOption: fc.Arbitrary<Ipv6Option> = rec({
  kind: fc.constant('rpl' as const),
  rpl: rec({
    optionType: fc.constantFrom(0x63, 0x23),
    down: fc.boolean(),
    rankError: fc.boolean(),
    forwardingError: fc.boolean(),
    instanceId: fc.nat({ max: 255 }),
    senderRank: fc.nat({ max: 0xffff }),
    subTlvs: fc.uint8Array({ maxLength: 6 }),
  }),
});
export const unknownOption: fc.Arbitrary<Ipv6Option> = rec({
  kind: fc.constant('unknown' as const),
  optionType: fc.integer({ min: 2, max: 255 }).filter((t) => t !== 0x63 && t !== 0x23),
  data: fc.uint8Array({ maxLength: 12 }),
});
export const icmp: fc.Arbitrary<Icmpv6Message> = fc.oneof(
  rec({
    kind: fc.constantFrom('echo-request' as const, 'echo-reply' as const),
    identifier: fc.nat({ max: 0xffff }),
    sequence: fc.nat({ max: 0xffff }),
    data: fc.uint8Array({ maxLength: 40 }),
  }),
  rec({
    kind: fc.constantFrom('destination-unreachable' as const, 'time-exceeded' as const),
    code: fc.nat({ max: 255 }),
    invoking: fc.uint8Array({ maxLength: 40 }),
  }),
  rec({
    kind: fc.constant('packet-too-big' as const),
    code: fc.nat({ max: 255 }),
    mtu: fc.nat(),
    invoking: fc.uint8Array({ maxLength: 40 }),
  }),
  rec({
    kind: fc.constant('parameter-problem' as const),
    code: fc.nat({ max: 255 }),
    pointer: fc.nat(),
    invoking: fc.uint8Array({ maxLength: 40 }),
  }),
  rec({
    kind: fc.constant('rpl' as const),
    code: fc.nat({ max: 255 }),
    body: fc.uint8Array({ maxLength: 40 }),
  }),
);
export const arbitraryPacket: fc.Arbitrary<Ipv6Packet> = fc
  .record({
    trafficClass: fc.nat({ max: 255 }),
    flowLabel: fc.nat({ max: 0xfffff }),
    hopLimit: fc.nat({ max: 255 }),
    source: unicast,
    destination: meshAddr,
    hbh: fc.option(fc.array(fc.oneof(rplOption, unknownOption), { maxLength: 3 }), { nil: undefined }),
    route: fc.option(fc.tuple(fc.array(meshAddr, { minLength: 1, maxLength: 5 }), fc.nat({ max: 5 })), {
      nil: undefined,
    }),
    upper: fc.oneof(
      icmp.map((message) => ({ kind: 'icmpv6' as const, message })),
      rec({
        sourcePort: fc.nat({ max: 0xffff }),
        destinationPort: fc.nat({ max: 0xffff }),
        payload: fc.uint8Array({ maxLength: 60 }),
      }).map((datagram) => ({ kind: 'udp' as const, datagram })),
      rec({
        kind: fc.constant('raw' as const),
        nextHeader: fc.constantFrom(6, 59, 44),
        bytes: fc.uint8Array({ maxLength: 30 }),
      }),
    ),
  })
  .map(({ hbh, route, ...p }) => {
    const out: Ipv6Packet = { ...p };
    if (hbh) out.hopByHop = hbh;
    if (route) {
      const [addresses, sl] = route;
      out.routing = { routingType: 3, segmentsLeft: Math.min(sl, addresses.length), addresses };
    }
    return out;
  });
