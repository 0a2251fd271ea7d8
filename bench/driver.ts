/**
 * The Spinel driver over a real pseudo-terminal at 460800 baud (socat pty pair, `serialport` on
 * the host side, the virtual RCP on the other): bring-up time, transmit round trip (STREAM_RAW
 * set → transmit-done) and frames per second with one transmit in flight, a transmit answered by a
 * peer radio (host → radio → peer → radio → host), and receive throughput of unsolicited frames.
 * The radio is an in-memory loopback with no airtime, so the figures are the driver + HDLC + pty
 * path alone. Both ends run in this one process (the pty is in the kernel); timing is printed,
 * never asserted.
 */
import os from 'node:os';
import { SpinelDongle } from '../hardware/spinel/dongle.ts';
import { SerialPortLink } from '../hardware/spinel/serialport-link.ts';
import { LoopbackRadio } from '../hardware/virtual-dongle/loopback-radio.ts';
import { startVirtualDongleOnPty } from '../hardware/virtual-dongle/virtual-dongle.ts';
import { createLogger, memorySink } from '../src/log/index.ts';
import { conditions } from './support/measure.ts';

const BAUD = 460_800;
const CONFIG = {
  channel: 33,
  panId: 0xabcd,
  extendedAddress: Uint8Array.of(0x02, 0x46, 0x52, 0, 0, 0, 0, 2),
};
const TX_OPTIONS = { maxCsmaBackoffs: 4, maxFrameRetries: 3, csmaCa: true };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function latencyLine(label: string, samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  return `  ${label.padEnd(52)} median ${percentile(s, 50).toFixed(2)} ms, p99 ${percentile(s, 99).toFixed(2)} ms, max ${s[s.length - 1]!.toFixed(2)} ms (n=${s.length})`;
}

/** Bytes on the wire for one HDLC-lite frame carrying `payload` bytes (flag, FCS, ~1 % escapes). */
function wireBits(payload: number): number {
  return 10 * Math.ceil((payload + 4) * 1.01);
}

export async function run(): Promise<void> {
  console.log('driver: Spinel driver over a real pty (socat) at 460800 baud');
  console.log(
    conditions({
      link: `socat pty pair, serialport ${BAUD} baud (a pty does not pace bytes at the baud rate)`,
      radio: 'in-memory loopback, no airtime (driver + HDLC + pty path only)',
      load: `1-min load average ${os.loadavg()[0]!.toFixed(1)} (tails grow with it: both ends share the CPU)`,
    }),
  );
  const radio = new LoopbackRadio();
  const peer = new LoopbackRadio();
  LoopbackRadio.pair(radio, peer);
  peer.setReceiveChannel(CONFIG.channel);
  const vd = await startVirtualDongleOnPty({ rcp: { radio }, baudRate: BAUD });
  const logger = createLogger('bench.driver', { level: 'error', sink: memorySink() });
  try {
    const t0 = performance.now();
    const link = await SerialPortLink.open(vd.hostPath, { baudRate: BAUD });
    const dongle = new SpinelDongle({ link, logger });
    await dongle.start(CONFIG);
    console.log(
      `  bring-up (open, reset, identify, configure)          ${(performance.now() - t0).toFixed(1)} ms`,
    );

    for (const size of [20, 127, 250]) {
      const psdu = new Uint8Array(size);
      psdu.set([0x41, 0x88, 0]);
      for (let i = 0; i < 50; i++) await dongle.transmit(psdu); // warm-up
      const n = 1000;
      const rtts: number[] = [];
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        const s = performance.now();
        const r = await dongle.transmit(psdu);
        rtts.push(performance.now() - s);
        if (r.status !== 'sent') throw new Error(`transmit ${i}: ${r.status}`);
      }
      const seconds = (performance.now() - start) / 1000;
      console.log(latencyLine(`transmit round trip, ${size}-octet PSDU`, rtts));
      console.log(
        `  ${''.padEnd(52)} ${(n / seconds).toFixed(0)} frames/s one in flight (at a real 460800 baud UART ≥ ${((wireBits(size + 20) / BAUD) * 1000).toFixed(2)} ms per request on the wire)`,
      );
    }

    // The peer answers every frame it hears; the answer comes back up as STREAM_RAW.
    peer.onReceive((f) => peer.transmit(f.psdu, f.channel, () => {}, TX_OPTIONS));
    const echoes: number[] = [];
    let resolveEcho: (() => void) | undefined;
    dongle.on('frame', () => resolveEcho?.());
    const echoPsdu = new Uint8Array(100);
    echoPsdu.set([0x41, 0x88, 1]);
    for (let i = 0; i < 500; i++) {
      const s = performance.now();
      const heard = new Promise<void>((r) => (resolveEcho = r));
      await dongle.transmit(echoPsdu);
      await heard;
      echoes.push(performance.now() - s);
    }
    resolveEcho = undefined;
    console.log(latencyLine('host → peer radio → host, 100-octet PSDU', echoes));
    peer.dispose();

    // Receive: the radio hears frames back to back; the host counts them.
    let received = 0;
    dongle.on('frame', () => received++);
    const rxPsdu = new Uint8Array(100);
    rxPsdu.set([0x41, 0x88, 2]);
    const total = 20_000;
    const rxStart = performance.now();
    for (let i = 0; i < total; i++) {
      radio.inject({ psdu: rxPsdu, rssi: -60, lqi: 200, channel: CONFIG.channel, timestampUs: i });
      if (i % 200 === 199) await new Promise((r) => setImmediate(r));
    }
    const deadline = performance.now() + 20_000;
    while (received < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const rxSeconds = (performance.now() - rxStart) / 1000;
    console.log(
      `  receive, 100-octet PSDU, unsolicited STREAM_RAW         ${(received / rxSeconds).toFixed(0)} frames/s (${received}/${total} delivered; drops ${JSON.stringify(dongle.drops.snapshot())})`,
    );
    await dongle.close();
  } finally {
    await vd.close();
  }
}
