/**
 * tshark check for the IPv6 / 6LoWPAN / RPL codec tests: writes a classic pcap with the given link
 * type and returns one row of `-T fields` output per packet. A missing tshark fails the test with
 * the Debian package name (test/support/tshark.ts), never a skip.
 */
import { runTshark } from '../../support/tshark.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_IEEE802_15_4_NOFCS = 230;

export function pcap(linkType: number, frames: readonly Uint8Array[]): Uint8Array {
  const size = 24 + frames.reduce((n, f) => n + 16 + f.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, 65535, true);
  v.setUint32(20, linkType, true);
  let o = 24;
  frames.forEach((f, i) => {
    v.setUint32(o, 1_700_000_000 + i, true);
    v.setUint32(o + 8, f.length, true);
    v.setUint32(o + 12, f.length, true);
    out.set(f, o + 16);
    o += 16 + f.length;
  });
  return out;
}

/** Runs tshark over the frames; each returned row holds the requested fields (tab-separated by tshark). */
export function tsharkFields(
  linkType: number,
  frames: readonly Uint8Array[],
  fields: readonly string[],
  extraArgs: readonly string[] = [],
): string[][] {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-tshark-'));
  try {
    const file = join(dir, 'cap.pcap');
    writeFileSync(file, pcap(linkType, frames));
    const args = ['-n', '-r', file, ...extraArgs, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a'];
    for (const f of fields) args.push('-e', f);
    return runTshark(args)
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => l.split('\t'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
