/**
 * The meter's application on UDP 3610 (ECHONET_LITE_PORT): an ECHONET Lite request payload in, an
 * answer payload (or nothing) out. The ECHONET Lite device object of hardware/sim/meter plugs in
 * here; the node only moves the datagrams.
 */
export interface MeterApplication {
  handle(now: number, udpPayload: Uint8Array): Uint8Array | null;
}
