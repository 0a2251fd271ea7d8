/**
 * A KeyServerDatagramPort over a plain UDP socket: for tests on loopback and for a key server
 * reachable without the tunnel. Datagrams from any other address or port are counted and dropped.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { KeyServerDatagramPort } from './authenticate-tool.ts';

export class UdpDatagramPort implements KeyServerDatagramPort {
  /** Datagrams that did not come from the key server's address and port. */
  foreign = 0;
  private readonly listeners = new Set<(d: Uint8Array) => void>();
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly host: string,
    private readonly port: number,
  ) {
    socket.on('message', (msg, rinfo) => {
      if (rinfo.port !== port || rinfo.address !== host) {
        this.foreign++;
        return;
      }
      const d = new Uint8Array(msg);
      for (const l of [...this.listeners]) l(d);
    });
  }

  /** Binds an ephemeral port towards `host`:`port` (host as an IP literal). */
  static async open(host: string, port: number): Promise<UdpDatagramPort> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new UdpDatagramPort(socket, host, port);
  }

  send(datagram: Uint8Array): void {
    if (this.closed) return;
    // Delivery is PANA's business (retransmissions); a send error is not worth a crash.
    this.socket.send(datagram, this.port, this.host, () => undefined);
  }

  onDatagram(listener: (datagram: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
