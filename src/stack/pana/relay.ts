/**
 * PANA Relay Element (RFC 6345), run by the tool and by every joined meter. Stateless (RFC 6345 §3:
 * the PRE keeps no per-PaC state) and keyless: it never sees MSK, PANA_AUTH_KEY or the network key
 * in clear (the key travels inside Encr-Encap), so it has no key fields at all.
 *
 * - A PANA message other than PRY from a PaC → PRY { PaC-Information(source), Relayed-Message } to
 *   the PAA (RFC 6345 §3).
 * - A PRY from the configured PAA → its Relayed-Message to the PaC-Information address and port
 *   (RFC 6345 §3).
 * - Dropped and counted: PRY from anyone but the PAA, a PRY inside a PRY (RFC 6345 §3 has one level;
 *   the codec refuses nesting), a PaC address the `isPacAcceptable` predicate refuses (by default
 *   anything that is not link-local: a PRE only serves PaCs on its own link), anything malformed.
 */
import { DecodeError } from '../wire/index.ts';
import { decodePanaMessage, encodePanaMessage, getPanaAvp } from './codec.ts';
import type { PanaMessage } from './codec.ts';
import { PANA_MESSAGE_TYPE } from './constants.ts';
import { PanaDropTally } from './drop-tally.ts';
import { endpointEquals } from './io.ts';
import type { PanaDatagram, PanaEndpoint } from './io.ts';

export interface PanaRelayOptions {
  /** Where the PAA (the key server) listens. */
  paa: PanaEndpoint;
  /**
   * Whether a PaC endpoint may be served: checked on the source of PaC messages and on the
   * PaC-Information of PRYs from the PAA (a spoofed-PaC check). Default: link-local (fe80::/10).
   */
  isPacAcceptable?: (pac: PanaEndpoint) => boolean;
}

export type PanaRelayResult = { send: PanaDatagram } | { dropped: string };

/** fe80::/10 (RFC 4291 §2.5.6). */
export function isLinkLocal(address: Uint8Array): boolean {
  return address.length === 16 && address[0] === 0xfe && (address[1]! & 0xc0) === 0x80;
}

export class PanaRelay {
  private readonly tally = new PanaDropTally();
  private readonly paa: PanaEndpoint;
  private readonly acceptable: (pac: PanaEndpoint) => boolean;

  constructor(options: PanaRelayOptions) {
    this.paa = { address: options.paa.address.slice(), port: options.paa.port };
    this.acceptable = options.isPacAcceptable ?? ((pac) => isLinkLocal(pac.address));
  }

  get drops(): ReadonlyMap<string, number> {
    return this.tally.counts;
  }

  /** One received datagram in, at most one datagram out. */
  handle(from: PanaEndpoint, bytes: Uint8Array): PanaRelayResult {
    let msg: PanaMessage;
    try {
      msg = decodePanaMessage(bytes);
    } catch (e) {
      if (e instanceof DecodeError) {
        return this.drop(/nested/i.test(e.message) ? 'nested Relayed-Message' : 'malformed PANA message');
      }
      throw e;
    }
    const fromPaa = endpointEquals(from, this.paa);
    if (msg.type === PANA_MESSAGE_TYPE.RELAY) {
      if (!fromPaa) return this.drop('PRY not from the PAA');
      const info = getPanaAvp(msg, 'pac-information')!;
      const inner = getPanaAvp(msg, 'relayed-message')!;
      const pac: PanaEndpoint = { address: info.address, port: info.port };
      if (!this.acceptable(pac)) return this.drop('PaC-Information not acceptable');
      return { send: { to: pac, bytes: inner.bytes.slice() } };
    }
    // A PAA talks to a relay only in PRY; anything else from it would loop back to it.
    if (fromPaa) return this.drop('non-PRY message from the PAA');
    if (!this.acceptable(from)) return this.drop('PaC source not acceptable');
    const pry = encodePanaMessage({
      type: PANA_MESSAGE_TYPE.RELAY,
      flags: 0,
      sessionId: 0,
      sequence: 0,
      avps: [
        { kind: 'pac-information', address: from.address, port: from.port },
        { kind: 'relayed-message', bytes, message: msg },
      ],
    });
    return { send: { to: { address: this.paa.address.slice(), port: this.paa.port }, bytes: pry } };
  }

  private drop(reason: string): PanaRelayResult {
    this.tally.drop(reason);
    return { dropped: reason };
  }
}
