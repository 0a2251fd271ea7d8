/** RFC 4944 §5.3 fragmentation of a 6LoWPAN datagram into frame payloads. */
import { ByteWriter } from '../wire/index.ts';
import {
  FRAG1_HEADER_LENGTH,
  FRAGN_HEADER_LENGTH,
  MAX_DATAGRAM_SIZE,
  encodeFragmentHeader,
} from './frame.ts';
import { lowpanHeaderSizes } from './iphc.ts';

/**
 * Splits a 6LoWPAN datagram (0x41 + IPv6, or IPHC-compressed, as from `compressIphc`) into frame
 * payloads of at most `maxFramePayload` bytes. A datagram that fits is returned as is (one
 * element). Otherwise FRAG1 carries all compressed headers (RFC 6282 §2) and every fragment but
 * the last covers a multiple of 8 uncompressed bytes, since offsets count 8-byte units of the
 * uncompressed datagram (RFC 4944 §5.3).
 */
export function fragment(packetBytes: Uint8Array, tag: number, maxFramePayload: number): Uint8Array[] {
  if (!Number.isInteger(maxFramePayload) || maxFramePayload < FRAGN_HEADER_LENGTH + 8) {
    throw new RangeError(`frame payload limit ${maxFramePayload} is too small to fragment into`);
  }
  if (packetBytes.length <= maxFramePayload) return [packetBytes.slice()];
  const sizes = lowpanHeaderSizes(packetBytes);
  const payload = packetBytes.subarray(sizes.compressed);
  const datagramSize = sizes.uncompressed + payload.length;
  if (datagramSize > MAX_DATAGRAM_SIZE)
    throw new RangeError(`datagram of ${datagramSize} bytes exceeds the 11-bit datagram_size`);
  // First fragment: uncompressed length covered must be a multiple of 8.
  const room = maxFramePayload - FRAG1_HEADER_LENGTH - sizes.compressed;
  const firstCovered = Math.floor((sizes.uncompressed + room) / 8) * 8;
  const firstPayload = firstCovered - sizes.uncompressed;
  if (firstPayload < 0) throw new RangeError('compressed headers do not fit in the first fragment');
  const frames: Uint8Array[] = [];
  frames.push(
    new ByteWriter(maxFramePayload)
      .bytes(encodeFragmentHeader({ kind: 'first', size: datagramSize, tag }))
      .bytes(packetBytes.subarray(0, sizes.compressed))
      .bytes(payload.subarray(0, firstPayload))
      .finish(),
  );
  const step = Math.floor((maxFramePayload - FRAGN_HEADER_LENGTH) / 8) * 8;
  for (let at = firstPayload; at < payload.length; at += step) {
    const chunk = payload.subarray(at, Math.min(payload.length, at + step));
    frames.push(
      new ByteWriter(FRAGN_HEADER_LENGTH + chunk.length)
        .bytes(
          encodeFragmentHeader({
            kind: 'subsequent',
            size: datagramSize,
            tag,
            offset: sizes.uncompressed + at,
          }),
        )
        .bytes(chunk)
        .finish(),
    );
  }
  return frames;
}
