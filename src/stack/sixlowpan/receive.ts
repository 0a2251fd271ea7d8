/** One received frame payload → a complete IPv6 datagram, or nothing yet. */
import { decodeLowpanFrame, decompressDatagramStart } from './frame.ts';
import type { DecompressOptions } from './iphc.ts';
import type { ReassemblyBuffer, ReassemblyResult } from './reassembly.ts';

/**
 * Decodes the dispatch headers, decompresses an unfragmented datagram or a FRAG1, and feeds
 * fragments to `buffer`. With a mesh header, its originator and final addresses stand in for the
 * link-layer ones (RFC 6282 §3.2.2 "encapsulating header"). Throws DecodeError on bad input.
 */
export function receiveLowpanFrame(
  frame: Uint8Array,
  options: DecompressOptions,
  buffer: ReassemblyBuffer,
  now: number,
): ReassemblyResult {
  const f = decodeLowpanFrame(frame);
  const link: DecompressOptions = f.mesh
    ? { ...options, source: f.mesh.originator, destination: f.mesh.final }
    : options;
  if (!f.fragment) return { status: 'complete', datagram: decompressDatagramStart(f.payload, link) };
  const { size, tag } = f.fragment;
  if (f.fragment.kind === 'first') {
    const data = decompressDatagramStart(f.payload, link, size);
    return buffer.add(
      { source: link.source, destination: link.destination, size, tag, offset: 0, data },
      now,
    );
  }
  return buffer.add(
    {
      source: link.source,
      destination: link.destination,
      size,
      tag,
      offset: f.fragment.offset,
      data: f.payload,
    },
    now,
  );
}
