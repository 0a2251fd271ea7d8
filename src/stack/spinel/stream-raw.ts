/**
 * Values of `PROP_STREAM_RAW` and the transmit-done `LAST_STATUS` (spinel.h `SPINEL_PROP_STREAM_RAW`;
 * field order as OpenThread's NCP writes and reads them in `src/ncp/ncp_base_radio.cpp`:
 * `DecodeStreamRawTxRequest`, `PackRadioFrame`, `LinkRawTransmitDone`).
 *
 * Transmit request (host → RCP, `PROP_VALUE_SET STREAM_RAW`):
 *   d PSDU, C channel (required), then optional and positional — a suffix may be left out:
 *   C max CSMA backoffs, C max frame retries, b CSMA-CA, b header updated, b is retransmission,
 *   b security processed, L tx delay, L tx delay base time, C rx channel after tx done, c tx power.
 *
 * Received frame (RCP → host, unsolicited `PROP_VALUE_IS STREAM_RAW`; also the ACK in transmit done):
 *   d PSDU, c RSSI, c noise floor, S flags, t(C channel, C LQI, X timestamp µs),
 *   t(i receive error), t(C ACK key id, L ACK frame counter).
 *
 * Transmit done (RCP → host, `PROP_VALUE_IS LAST_STATUS` on the request's TID):
 *   i status, b frame pending, b header updated, [ACK frame as above when status is OK],
 *   [C key index, L frame counter when the RCP updated the security header].
 *
 * Top-level trailing bytes are refused (new top-level fields are gated by capabilities per spinel.h's
 * compatibility guideline, so a strict decoder is safe); bytes appended inside a `t(...)` struct are
 * skipped, as spinel.h allows.
 */
import { SPINEL_STATUS } from './constants.ts';
import { SpinelReader, SpinelWriter } from './datatypes.ts';

export interface StreamRawTxRequest {
  /** The PSDU including the FCS bytes (sent as zeros, filled in by the radio). */
  psdu: Uint8Array;
  channel: number;
  maxCsmaBackoffs?: number;
  maxFrameRetries?: number;
  /** Default (when absent) true. */
  csmaCaEnabled?: boolean;
  isHeaderUpdated?: boolean;
  isARetx?: boolean;
  isSecurityProcessed?: boolean;
  txDelay?: number;
  txDelayBaseTime?: number;
  rxChannelAfterTxDone?: number;
  /** dBm; `SPINEL_TX_POWER_UNSET` (127) = radio default. */
  txPower?: number;
}

/** Optional metadata fields in wire order; a field may be present only if every earlier one is. */
const TX_OPTIONAL = [
  'maxCsmaBackoffs',
  'maxFrameRetries',
  'csmaCaEnabled',
  'isHeaderUpdated',
  'isARetx',
  'isSecurityProcessed',
  'txDelay',
  'txDelayBaseTime',
  'rxChannelAfterTxDone',
  'txPower',
] as const satisfies readonly (keyof StreamRawTxRequest)[];

export function writeStreamRawTxRequest(w: SpinelWriter, req: StreamRawTxRequest): void {
  w.dataWithLen(req.psdu, 'PSDU').uint8(req.channel, 'channel');
  let last = -1;
  TX_OPTIONAL.forEach((k, i) => {
    if (req[k] !== undefined) last = i;
  });
  for (let i = 0; i <= last; i++) {
    const k = TX_OPTIONAL[i]!;
    if (req[k] === undefined) {
      throw new RangeError(
        `STREAM_RAW metadata is positional: ${k} must be set because ${TX_OPTIONAL[last]} is`,
      );
    }
  }
  const has = (i: number): boolean => i <= last;
  if (has(0)) w.uint8(req.maxCsmaBackoffs!, 'maxCsmaBackoffs');
  if (has(1)) w.uint8(req.maxFrameRetries!, 'maxFrameRetries');
  if (has(2)) w.bool(req.csmaCaEnabled!);
  if (has(3)) w.bool(req.isHeaderUpdated!);
  if (has(4)) w.bool(req.isARetx!);
  if (has(5)) w.bool(req.isSecurityProcessed!);
  if (has(6)) w.uint32(req.txDelay!, 'txDelay');
  if (has(7)) w.uint32(req.txDelayBaseTime!, 'txDelayBaseTime');
  if (has(8)) w.uint8(req.rxChannelAfterTxDone!, 'rxChannelAfterTxDone');
  if (has(9)) w.int8(req.txPower!, 'txPower');
}

export function encodeStreamRawTxRequest(req: StreamRawTxRequest): Uint8Array {
  const w = new SpinelWriter();
  writeStreamRawTxRequest(w, req);
  return w.finish();
}

export function decodeStreamRawTxRequest(bytes: Uint8Array): StreamRawTxRequest {
  const s = SpinelReader.of(bytes, 'spinel-stream-raw');
  const req: StreamRawTxRequest = { psdu: s.dataWithLen('PSDU'), channel: s.uint8('channel') };
  // Each optional field is read only if bytes remain; a field cut in half is an error.
  if (s.atEnd) return req;
  req.maxCsmaBackoffs = s.uint8('maxCsmaBackoffs');
  if (s.atEnd) return req;
  req.maxFrameRetries = s.uint8('maxFrameRetries');
  if (s.atEnd) return req;
  req.csmaCaEnabled = s.bool('csmaCaEnabled');
  if (s.atEnd) return req;
  req.isHeaderUpdated = s.bool('isHeaderUpdated');
  if (s.atEnd) return req;
  req.isARetx = s.bool('isARetx');
  if (s.atEnd) return req;
  req.isSecurityProcessed = s.bool('isSecurityProcessed');
  if (s.atEnd) return req;
  req.txDelay = s.uint32('txDelay');
  if (s.atEnd) return req;
  req.txDelayBaseTime = s.uint32('txDelayBaseTime');
  if (s.atEnd) return req;
  req.rxChannelAfterTxDone = s.uint8('rxChannelAfterTxDone');
  if (s.atEnd) return req;
  req.txPower = s.int8('txPower');
  s.end('STREAM_RAW transmit metadata');
  return req;
}

export interface StreamRawRxFrame {
  /** The PSDU as received, FCS included; empty when `receiveError` is set. */
  psdu: Uint8Array;
  /** dBm; spinel.h default -128. */
  rssi: number;
  /** dBm; OpenThread always sends -128 (unused). */
  noiseFloor: number;
  /** `SPINEL_MD_FLAG_*` bits. Reserved bits are kept, not refused: spinel.h reserves them for future use. */
  flags: number;
  /** PHY struct. */
  channel: number;
  lqi: number;
  /** Receive timestamp in µs (radio clock). */
  timestamp: bigint;
  /** Vendor struct: an OpenThread `otError` (0 = none), not a Spinel status. */
  receiveError: number;
  /** MAC struct: key id and frame counter of the (enhanced) ACK the radio sent. */
  ackKeyId: number;
  ackFrameCounter: number;
}

export function writeStreamRawRxFrame(w: SpinelWriter, f: StreamRawRxFrame): void {
  w.dataWithLen(f.psdu, 'PSDU')
    .int8(f.rssi, 'rssi')
    .int8(f.noiseFloor, 'noiseFloor')
    .uint16(f.flags, 'flags');
  w.struct(
    (p) => p.uint8(f.channel, 'channel').uint8(f.lqi, 'lqi').uint64(f.timestamp, 'timestamp'),
    'PHY data',
  );
  w.struct((v) => v.packed(f.receiveError), 'vendor data');
  w.struct((m) => m.uint8(f.ackKeyId, 'ackKeyId').uint32(f.ackFrameCounter, 'ackFrameCounter'), 'MAC data');
}

export function readStreamRawRxFrame(s: SpinelReader): StreamRawRxFrame {
  const psdu = s.dataWithLen('PSDU');
  const rssi = s.int8('rssi');
  const noiseFloor = s.int8('noise floor');
  const flags = s.uint16('flags');
  const phy = s.struct('PHY data', (p) => ({
    channel: p.uint8('channel'),
    lqi: p.uint8('LQI'),
    timestamp: p.uint64('timestamp'),
  }));
  const receiveError = s.struct('vendor data', (v) => v.packed('receive error'));
  const mac = s.struct('MAC data', (m) => ({
    ackKeyId: m.uint8('ACK key id'),
    ackFrameCounter: m.uint32('ACK frame counter'),
  }));
  return { psdu, rssi, noiseFloor, flags, ...phy, receiveError, ...mac };
}

export function encodeStreamRawRxFrame(f: StreamRawRxFrame): Uint8Array {
  const w = new SpinelWriter();
  writeStreamRawRxFrame(w, f);
  return w.finish();
}

export function decodeStreamRawRxFrame(bytes: Uint8Array): StreamRawRxFrame {
  const s = SpinelReader.of(bytes, 'spinel-stream-raw');
  const f = readStreamRawRxFrame(s);
  s.end('STREAM_RAW receive metadata');
  return f;
}

export interface StreamRawTxDone {
  /** `SPINEL_STATUS_*`: OK, NO_ACK, CCA_FAILURE, … */
  status: number;
  framePending: boolean;
  isHeaderUpdated: boolean;
  /** Present exactly when `status` is OK; an empty PSDU when no ACK was requested. */
  ack?: StreamRawRxFrame;
  /**
   * Present when the RCP filled in the security header (key index, frame counter it used). OpenThread
   * sends it only for a secured frame whose header it updated, so it requires `isHeaderUpdated`.
   */
  security?: { keyIndex: number; frameCounter: number };
}

export function encodeStreamRawTxDone(d: StreamRawTxDone): Uint8Array {
  const ok = d.status === SPINEL_STATUS.OK;
  if (ok !== (d.ack !== undefined)) {
    throw new RangeError('transmit done carries an ACK frame exactly when status is OK');
  }
  if (d.security && !d.isHeaderUpdated) throw new RangeError('security fields require isHeaderUpdated');
  const w = new SpinelWriter();
  w.packed(d.status).bool(d.framePending).bool(d.isHeaderUpdated);
  if (d.ack) writeStreamRawRxFrame(w, d.ack);
  if (d.security) w.uint8(d.security.keyIndex, 'keyIndex').uint32(d.security.frameCounter, 'frameCounter');
  return w.finish();
}

/** Decodes the `LAST_STATUS` value answering a STREAM_RAW transmit. NO_ACK is `11 00 00`. */
export function decodeStreamRawTxDone(bytes: Uint8Array): StreamRawTxDone {
  const s = SpinelReader.of(bytes, 'spinel-tx-done');
  const status = s.packed('status');
  const done: StreamRawTxDone = {
    status,
    framePending: s.bool('frame pending'),
    isHeaderUpdated: s.bool('header updated'),
  };
  if (status === SPINEL_STATUS.OK) done.ack = readStreamRawRxFrame(s);
  if (!s.atEnd) {
    if (!done.isHeaderUpdated) s.fail('key index and frame counter present but header not updated');
    done.security = { keyIndex: s.uint8('key index'), frameCounter: s.uint32('frame counter') };
  }
  s.end('transmit done');
  return done;
}
