/**
 * bench/codec (issue #2): operations per second on one core for the hot paths of the codecs,
 * on both crypto back-ends:
 * - a secured 802.15.4 frame (level 5, 4-byte FCS) checked, decrypted and decoded;
 * - a 6LoWPAN IPHC datagram decompressed and decoded as IPv6 + UDP;
 * - a PANA PAR encoded with its AUTH AVP (HMAC-SHA-256);
 * - a WireGuard transport message of 1280 bytes sealed, and opened.
 */
import { createJsProvider, createNodeProvider } from '../src/stack/crypto/index.ts';
import type { CryptoProvider } from '../src/stack/crypto/index.ts';
import { FRAME_TYPE, FRAME_VERSION, secureFrame, unsecureFrame } from '../src/stack/ieee802154/index.ts';
import { decodePacket, encodePacket, linkLocalFromEui64, parseIpv6Address } from '../src/stack/ipv6/index.ts';
import {
  compressIphc,
  contextTable,
  decompressIphc,
  linkAddressFromMac,
} from '../src/stack/sixlowpan/index.ts';
import { encodePanaMessage, PANA_FLAG, PANA_MESSAGE_TYPE } from '../src/stack/pana/index.ts';
import {
  createTransportMessage,
  decodeTransportData,
  openTransportMessage,
} from '../src/stack/wireguard/index.ts';
import { conditions, formatRate, measure } from './support/measure.ts';

const METER = 0x00124b0000000a01n;
const TABLET = 0x00124b0000000001n;
const PREFIX = parseIpv6Address('2001:db8:1:2::');
const contexts = contextTable(PREFIX, 64);

function globalOf(eui: bigint): Uint8Array {
  const a = linkLocalFromEui64(eui);
  a.set(PREFIX.subarray(0, 8), 0);
  return a;
}

/** A meter's ECHONET Lite Get_Res (E0 + E7) as the datagram it sends up the mesh. */
function meterDatagram(): Uint8Array {
  const payload = Uint8Array.from([
    0x10, 0x81, 0x01, 0x02, 0x02, 0x88, 0x01, 0x05, 0xff, 0x01, 0x72, 0x02, 0xe0, 0x04, 0x00, 0x01, 0xe2,
    0x40, 0xe7, 0x04, 0x00, 0x00, 0x01, 0xf8,
  ]);
  return encodePacket({
    trafficClass: 0,
    flowLabel: 0,
    hopLimit: 64,
    source: globalOf(METER),
    destination: parseIpv6Address('2001:db8:ffff::10'),
    upper: { kind: 'udp', datagram: { sourcePort: 3610, destinationPort: 3610, payload } },
  });
}

function benchBackend(crypto: CryptoProvider, label: string): string[] {
  const lines: string[] = [];
  const key = crypto.randomBytes(16);
  const ip = meterDatagram();
  const lowpan = compressIphc(ip, {
    source: linkAddressFromMac(METER),
    destination: linkAddressFromMac(TABLET),
    contexts,
  });
  const frame = secureFrame(
    crypto,
    key,
    {
      frameType: FRAME_TYPE.DATA,
      frameVersion: FRAME_VERSION.IEEE_802_15_4_2006,
      framePending: false,
      ackRequest: true,
      sequenceNumber: 1,
      dstPanId: 0x7a3c,
      dstAddress: TABLET,
      srcAddress: METER,
      auxSecurityHeader: { securityLevel: 5, keyIdMode: 1, keyIndex: 1, frameCounter: 77 },
      payload: lowpan,
    },
    METER,
    { fcsLength: 4 },
  );
  const m1 = measure(`[${label}] 802.15.4 secured frame: FCS + decrypt + decode (${frame.length} B)`, () => {
    const r = unsecureFrame(crypto, () => key, frame, { fcsLength: 4 });
    if (!r.ok) throw new Error('bench frame did not verify');
  });
  lines.push(formatRate(m1));

  const m2 = measure(
    `[${label}] IPHC decompress + IPv6/UDP decode (${lowpan.length} B → ${ip.length} B)`,
    () => {
      decodePacket(
        decompressIphc(lowpan, {
          source: linkAddressFromMac(METER),
          destination: linkAddressFromMac(TABLET),
          contexts,
        }),
      );
    },
  );
  lines.push(formatRate(m2));

  const authKey = crypto.randomBytes(32);
  const nonce = crypto.randomBytes(16);
  const eap = crypto.randomBytes(40);
  eap[0] = 1;
  const m3 = measure(`[${label}] PANA PAR encode with AUTH (HMAC-SHA-256)`, () => {
    encodePanaMessage(
      {
        type: PANA_MESSAGE_TYPE.AUTH,
        flags: PANA_FLAG.REQUEST,
        sessionId: 0x1001,
        sequence: 7,
        avps: [
          { kind: 'nonce', nonce },
          { kind: 'eap-payload', eap },
        ],
      },
      { auth: { crypto, key: authKey } },
    );
  });
  lines.push(formatRate(m3));

  const wgKey = crypto.randomBytes(32);
  const packet = crypto.randomBytes(1280);
  let counter = 0n;
  const sealed = createTransportMessage(crypto, { key: wgKey, receiverIndex: 9, counter: 1n, packet });
  const seal = measure(`[${label}] WireGuard transport seal, 1280 B`, () => {
    createTransportMessage(crypto, { key: wgKey, receiverIndex: 9, counter: counter++, packet });
  });
  lines.push(formatRate(seal, `${((seal.opsPerSecond * 1280 * 8) / 1e6).toFixed(0)} Mbit/s`));
  const open = measure(`[${label}] WireGuard transport open, 1280 B`, () => {
    if (openTransportMessage(crypto, wgKey, decodeTransportData(sealed)) === null)
      throw new Error('bench packet did not open');
  });
  lines.push(formatRate(open, `${((open.opsPerSecond * 1280 * 8) / 1e6).toFixed(0)} Mbit/s`));
  return lines;
}

export function run(): void {
  const node = createNodeProvider();
  const nodeBoring = createNodeProvider({ disable: ['chacha20-poly1305', 'blake2s'] });
  const js = createJsProvider();
  console.log('bench/codec — codec hot paths, operations per second on one core');
  console.log(
    conditions({ backends: 'node (OpenSSL), node without ChaCha/BLAKE2s (as in Electron BoringSSL), js' }),
  );
  for (const [provider, label] of [
    [node, 'node'],
    [nodeBoring, 'node/boringssl-like'],
    [js, 'js'],
  ] as const) {
    for (const line of benchBackend(provider, label)) console.log(line);
  }
}
