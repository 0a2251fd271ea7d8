/**
 * Runs Wireshark's tshark for conformance tests (DESIGN.md §7: captures decoded by a program this
 * project did not write). A missing tshark is a test failure naming the Debian package, never a skip.
 */
import { spawnSync } from 'node:child_process';

export const TSHARK_MISSING =
  'tshark is not installed or not on PATH: install the Debian package `tshark` (apt-get install tshark)';

/** Expert-info severities as tshark prints them in `_ws.expert.severity` (epan/proto.h PI_WARN, PI_ERROR). */
export const EXPERT_SEVERITY = {
  CHAT: 0x00200000,
  NOTE: 0x00400000,
  WARN: 0x00600000,
  ERROR: 0x00800000,
} as const;

/** Runs tshark with `args` and returns stdout; throws with stderr (minus the root warning) on failure. */
export function runTshark(args: string[]): string {
  const res = spawnSync(process.env.TSHARK ?? 'tshark', args, {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (res.error) {
    if ((res.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(TSHARK_MISSING);
    throw res.error;
  }
  const stderr = res.stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^Running as user "root"/.test(l))
    .join('\n');
  if (res.status !== 0) throw new Error(`tshark ${args.join(' ')} exited with ${res.status}: ${stderr}`);
  return res.stdout;
}

export interface TsharkOptions {
  /** Preferences, passed as `-o key:value`, e.g. { 'wpan.fcs_format': '32' }. */
  prefs?: Record<string, string>;
  /** User tables, passed as `-o uat:<table>:<row>`, e.g. ['ieee802154_keys:"<hex>","1","No hash"']. */
  uat?: string[];
  /** Decode-as rules, passed as `-d`, e.g. ['udp.port==716,pana']. */
  decodeAs?: string[];
  /** Protocols to disable (`--disable-protocol`). */
  disableProtocols?: string[];
  /** Display filter (`-Y`). */
  displayFilter?: string;
  /** Two-pass analysis (`-2`), needed for reassembly across frames. */
  twoPass?: boolean;
}

function optionArgs(o: TsharkOptions): string[] {
  const args: string[] = [];
  for (const [k, v] of Object.entries(o.prefs ?? {})) args.push('-o', `${k}:${v}`);
  for (const u of o.uat ?? []) args.push('-o', `uat:${u}`);
  for (const d of o.decodeAs ?? []) args.push('-d', d);
  for (const p of o.disableProtocols ?? []) args.push('--disable-protocol', p);
  if (o.displayFilter) args.push('-Y', o.displayFilter);
  if (o.twoPass) args.push('-2');
  return args;
}

/** A packet as tshark's JSON output (`_source.layers`), duplicate keys merged into arrays. */
export type TsharkLayers = Record<string, unknown>;

/** `tshark -r <pcap> -T json --no-duplicate-keys`, returning each packet's layers. */
export function tsharkJson(pcapPath: string, options: TsharkOptions = {}): TsharkLayers[] {
  const out = runTshark(['-r', pcapPath, '-T', 'json', '--no-duplicate-keys', ...optionArgs(options)]);
  const parsed = JSON.parse(out === '' ? '[]' : out) as { _source: { layers: TsharkLayers } }[];
  return parsed.map((p) => p._source.layers);
}

/** `tshark -T fields`: one row per packet, one cell per field (multiple occurrences joined by ','). */
export function tsharkFields(pcapPath: string, fields: string[], options: TsharkOptions = {}): string[][] {
  const args = [
    '-r',
    pcapPath,
    '-T',
    'fields',
    '-E',
    'separator=/t',
    '-E',
    'occurrence=a',
    '-E',
    'aggregator=,',
  ];
  for (const f of fields) args.push('-e', f);
  const out = runTshark([...args, ...optionArgs(options)]);
  // One line per packet; a line may be empty when every field is absent, so only drop the final newline.
  const lines = out.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => l.split('\t'));
}

/**
 * Frames tshark flags as malformed or with expert info at `minSeverity` or above (default: warning),
 * as "frame N: message" lines. An empty list means tshark found nothing wrong.
 */
export function tsharkProblems(
  pcapPath: string,
  options: TsharkOptions = {},
  minSeverity: number = EXPERT_SEVERITY.WARN,
): string[] {
  const filter = `_ws.malformed or _ws.expert.severity >= ${minSeverity}`;
  const rows = tsharkFields(pcapPath, ['frame.number', '_ws.expert.message', '_ws.malformed'], {
    ...options,
    displayFilter: options.displayFilter ? `(${options.displayFilter}) and (${filter})` : filter,
  });
  return rows.map((r) => `frame ${r[0]}: ${r[1] || 'malformed'}`);
}
