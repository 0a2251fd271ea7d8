// A meter in a test: PanaPac + EAP-PSK peer from src/stack on a real UDP socket on loopback,
// driven by a small loop (datagrams in, `poll` at `nextDeadline`). Waits are bounded.
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { getCrypto } from '../../../src/stack/crypto/index.ts';
import { createEapPskPeer } from '../../../src/stack/eap/index.ts';
import { PanaPac, type PanaOutput, type PanaPacEvent } from '../../../src/stack/pana/index.ts';
import { endpointFromSocket, socketAddressOf } from '../../../src/headend/keys/index.ts';
import { hexToBytes } from './fixtures.ts';

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

export class PacClient {
  readonly events: PanaPacEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    readonly pac: PanaPac,
    private readonly socket: Socket,
    private readonly family: 'udp4' | 'udp6',
  ) {}

  static async connect(
    server: { host: string; port: number },
    idP: string,
    pskHex: string,
  ): Promise<PacClient> {
    const family = server.host.includes(':') ? 'udp6' : 'udp4';
    const socket = createSocket(family);
    await new Promise<void>((resolve) => socket.bind(0, server.host, resolve));
    const crypto = getCrypto();
    const pac = new PanaPac({
      crypto,
      random,
      peer: endpointFromSocket(server.host, server.port),
      createEapPeer: () =>
        createEapPskPeer({ crypto, random, idP: new TextEncoder().encode(idP), psk: hexToBytes(pskHex) }),
    });
    const client = new PacClient(pac, socket, family);
    socket.on('message', (msg, rinfo) => {
      const out = pac.receive(Date.now(), endpointFromSocket(rinfo.address, rinfo.port), new Uint8Array(msg));
      client.apply(out);
    });
    client.apply(pac.start(Date.now()));
    return client;
  }

  private apply(out: PanaOutput<PanaPacEvent>): void {
    if (this.closed) return;
    this.events.push(...out.events);
    for (const d of out.send) this.socket.send(d.bytes, d.to.port, socketAddressOf(d.to, this.family));
    if (this.timer) clearTimeout(this.timer);
    const due = this.pac.nextDeadline();
    if (due !== undefined)
      this.timer = setTimeout(
        () => this.apply(this.pac.poll(Date.now())),
        Math.max(0, Math.min(due - Date.now(), 5_000)),
      );
  }

  /** The first event (from `from` on) matching `pred`; fails after `limitMs`. */
  async waitFor<T extends PanaPacEvent>(
    pred: (e: PanaPacEvent) => e is T,
    label: string,
    from = 0,
    limitMs = 10_000,
  ): Promise<T> {
    return waitUntil(() => this.events.slice(from).find(pred), label, limitMs);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket.close();
  }
}

/** Polls `probe` every 10 ms until it returns something; bounded by `limitMs`. */
export async function waitUntil<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  label: string,
  limitMs = 10_000,
): Promise<T> {
  for (let waited = 0; waited <= limitMs; waited += 10) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${label}`);
}

export const isKind =
  <K extends PanaPacEvent['type']>(type: K) =>
  (e: PanaPacEvent): e is Extract<PanaPacEvent, { type: K }> =>
    e.type === type;
