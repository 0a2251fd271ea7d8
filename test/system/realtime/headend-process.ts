/**
 * The head-end as its own process for the real-time system test: exactly what
 * `fieldroot headend serve` runs (`startHeadend`: key server, WireGuard gateway, API, CA over one
 * data folder), plus what a test needs from the head-end side and `serve` has no command for —
 * a host behind the gateway that sends ICMPv6 echo to meters through the tool's tunnel, and a
 * read-only view of the key server and gateway state. The parent talks to it over the IPC
 * channel of `child_process.fork`.
 *
 * Messages in:  { id, op: 'ping', target, sequence } | { id, op: 'state' }
 * Messages out: { op: 'ready', apiUrl } | { id, reply }
 */
import { startHeadend, DEFAULT_SERVICE_PREFIX } from '../../../src/cli/headend-command.ts';
import { createLogger } from '../../../src/log/index.ts';
import {
  decodePacket,
  encodePacket,
  formatIpv6Address,
  parseIpv6Address,
} from '../../../src/stack/ipv6/index.ts';
import { DecodeError } from '../../../src/stack/wire/index.ts';
import { parseIpPrefix } from '../../../src/stack/wireguard/index.ts';

export type HeadendRequest =
  | { readonly id: number; readonly op: 'ping'; readonly target: string; readonly sequence: number }
  | { readonly id: number; readonly op: 'state' };

export interface HeadendState {
  /** EUI-64s (lower-case hex) the key server authenticated with EAP-PSK since it started. */
  readonly metersJoined: string[];
  readonly toolsAuthenticated: string[];
  readonly keys: { current: number; next: number | null };
  /** Base64 public keys of the gateway's peers. */
  readonly gatewayPeers: string[];
  readonly unknownPeerInitiations: number;
  /** The key server's PANA drops by reason and datagrams over the per-source budget (diagnostics). */
  readonly panaDrops: Record<string, number>;
  readonly overBudget: number;
}

export type HeadendReply =
  | { readonly op: 'ready'; readonly apiUrl: string }
  | { readonly id: number; readonly reply: { rttMs: number | null } | HeadendState };

/** The head-end host that pings meters: in the service prefix, beside key server (::1) and AMR (::2). */
const PINGER = (() => {
  const a = parseIpPrefix(DEFAULT_SERVICE_PREFIX).address.slice();
  a[15] = 0x99;
  return a;
})();
const PING_TIMEOUT_MS = 5_000;
const ECHO_IDENTIFIER = 0x4e5;

const dataDir = process.argv[2];
if (dataDir === undefined || process.send === undefined) {
  process.stderr.write(
    'usage: fork headend-process.ts <data dir> [<channel> <PAN ID>] (with an IPC channel)\n',
  );
  process.exit(2);
}
// The simulated field's radio (`serve --radio-channel/--radio-pan-id`); else serve's default.
const radio =
  process.argv[3] !== undefined && process.argv[4] !== undefined
    ? { channel: Number(process.argv[3]), panId: Number(process.argv[4]) }
    : undefined;
const send = (m: HeadendReply): void => void process.send!(m);

const running = await startHeadend({
  dataDir,
  panaPort: 0,
  panaHost: '127.0.0.1',
  gatewayPort: 0,
  gatewayHost: '127.0.0.1',
  apiPort: 0,
  ...(radio !== undefined ? { radio } : {}),
  logger: createLogger('headend', { level: 'warn' }),
});
const metersJoined = new Set<string>();
const toolsAuthenticated = new Set<string>();
running.keyServer.on('meter-joined', (e) => metersJoined.add(e.eui64.toLowerCase()));
running.keyServer.on('tool-authenticated', (e) => toolsAuthenticated.add(e.deviceId));

const waiting = new Map<number, { started: number; done: (rttMs: number | null) => void }>();
running.gateway.addRoute(parseIpPrefix(`${formatIpv6Address(PINGER)}/128`), (bytes) => {
  try {
    const p = decodePacket(bytes);
    if (p.upper.kind !== 'icmpv6' || p.upper.message.kind !== 'echo-reply') return;
    const w = waiting.get(p.upper.message.sequence);
    if (!w) return;
    waiting.delete(p.upper.message.sequence);
    w.done(performance.now() - w.started);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
});

function ping(target: string, sequence: number): Promise<number | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiting.delete(sequence);
      resolve(null);
    }, PING_TIMEOUT_MS);
    waiting.set(sequence, {
      started: performance.now(),
      done: (rtt) => {
        clearTimeout(timer);
        resolve(rtt);
      },
    });
    const packet = encodePacket({
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: 64,
      source: PINGER,
      destination: parseIpv6Address(target),
      upper: {
        kind: 'icmpv6',
        message: { kind: 'echo-request', identifier: ECHO_IDENTIFIER, sequence, data: new Uint8Array(8) },
      },
    });
    if (!running.gateway.deliver(packet)) {
      waiting.delete(sequence);
      clearTimeout(timer);
      resolve(null);
    }
  });
}

function state(): HeadendState {
  const { current, next } = running.keyServer.keys.currentKeys();
  return {
    metersJoined: [...metersJoined],
    toolsAuthenticated: [...toolsAuthenticated],
    keys: { current: current.index, next: next?.index ?? null },
    gatewayPeers: running.gateway.peers().map((p) => p.id),
    unknownPeerInitiations: running.gateway.counters().device['unknown-peer'],
    panaDrops: Object.fromEntries(running.keyServer.stats().paaDrops),
    overBudget: running.keyServer.stats().datagramsOverBudget,
  };
}

process.on('message', (m: HeadendRequest) => {
  if (m.op === 'ping') void ping(m.target, m.sequence).then((rttMs) => send({ id: m.id, reply: { rttMs } }));
  else send({ id: m.id, reply: state() });
});
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void running.stop().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);
send({ op: 'ready', apiUrl: running.apiUrl });
