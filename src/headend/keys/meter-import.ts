/**
 * Parsing a meter credential file for import: CSV with the header `meter_id,eui64,psk_hex`, or a
 * JSON array of `{ "meterId", "eui64", "psk" }`. Strict: every problem is reported (all of them,
 * not just the first) with its CSV line number or JSON entry index, and nothing is imported from a
 * file with any problem. Error messages never echo a PSK value, only what is wrong with it.
 *
 * - meter id: 1–64 characters from `A–Z a–z 0–9 . _ : -`;
 * - EUI-64: 16 hex digits, any case (stored lower-case);
 * - PSK: 32 hex digits (16 bytes, RFC 4764 §3.1), not all zeros.
 * - CSV: no quoting (no field can contain a comma); blank lines and lines starting with `#` are
 *   skipped; a UTF-8 BOM and CRLF line ends are accepted.
 */
import { SecretBytes } from '../../log/index.ts';

export interface MeterCredentialInput {
  /** Where in the file the entry was: "line 4" or "entry 3". */
  readonly where: string;
  readonly meterId: string;
  readonly eui64: string;
  readonly psk: SecretBytes;
}

export interface ImportProblem {
  /** "line 4" (CSV) or "entry 3" (JSON, 0-based index in the array). */
  readonly where: string;
  readonly message: string;
}

export class MeterImportError extends Error {
  override name = 'MeterImportError';
  constructor(readonly problems: readonly ImportProblem[]) {
    super(
      `meter credential file refused (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.where}: ${p.message}`).join('\n'),
    );
  }
}

export const CSV_HEADER = 'meter_id,eui64,psk_hex';
const METER_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const EUI64 = /^[0-9A-Fa-f]{16}$/;
const PSK_HEX = /^[0-9A-Fa-f]{32}$/;
const MAX_ENTRIES = 1_000_000;

export type ImportFormat = 'csv' | 'json';

/** The format by file name, else by content (a JSON file starts with `[`). */
export function detectImportFormat(fileName: string, text: string): ImportFormat {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.json')) return 'json';
  return text
    .replace(/^\uFEFF/, '')
    .trimStart()
    .startsWith('[')
    ? 'json'
    : 'csv';
}

export function parseMeterCredentials(text: string, format: ImportFormat): MeterCredentialInput[] {
  return format === 'csv' ? parseMeterCredentialCsv(text) : parseMeterCredentialJson(text);
}

interface Raw {
  where: string;
  meterId: unknown;
  eui64: unknown;
  psk: unknown;
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Validates every entry and cross-checks duplicates; throws with every problem found. */
function validate(raws: readonly Raw[], problems: ImportProblem[]): MeterCredentialInput[] {
  const byMeter = new Map<string, string>();
  const byEui = new Map<string, string>();
  const out: MeterCredentialInput[] = [];
  for (const r of raws) {
    const before = problems.length;
    const fail = (message: string): void => void problems.push({ where: r.where, message });
    if (typeof r.meterId !== 'string' || !METER_ID.test(r.meterId))
      fail('meter id must be 1-64 characters of A-Z a-z 0-9 . _ : -');
    if (typeof r.eui64 !== 'string' || !EUI64.test(r.eui64)) fail('EUI-64 must be 16 hex digits');
    if (typeof r.psk !== 'string' || !PSK_HEX.test(r.psk)) {
      const got = typeof r.psk === 'string' ? `${r.psk.length} characters` : typeof r.psk;
      fail(`PSK must be 32 hex digits (got ${got}; the value is not shown)`);
    } else if (/^0+$/.test(r.psk)) fail('PSK is all zeros');
    if (problems.length !== before) continue;
    const meterId = r.meterId as string;
    const eui64 = (r.eui64 as string).toLowerCase();
    const seenMeter = byMeter.get(meterId);
    const seenEui = byEui.get(eui64);
    if (seenMeter !== undefined) fail(`duplicate meter id ${meterId} (first at ${seenMeter})`);
    if (seenEui !== undefined) fail(`duplicate EUI-64 ${eui64} (first at ${seenEui})`);
    if (seenMeter !== undefined || seenEui !== undefined) continue;
    byMeter.set(meterId, r.where);
    byEui.set(eui64, r.where);
    const bytes = hexBytes(r.psk as string);
    out.push({ where: r.where, meterId, eui64, psk: new SecretBytes(bytes, `PSK of ${meterId}`) });
    bytes.fill(0);
  }
  if (problems.length > 0) {
    for (const e of out) e.psk.wipe();
    // In file order (structural problems were found in an earlier pass); stable for one entry.
    const position = (p: ImportProblem): number => Number(/\d+/.exec(p.where)?.[0] ?? -1);
    throw new MeterImportError([...problems].sort((a, b) => position(a) - position(b)));
  }
  return out;
}

export function parseMeterCredentialCsv(text: string): MeterCredentialInput[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const problems: ImportProblem[] = [];
  const raws: Raw[] = [];
  let header = false;
  lines.forEach((line, i) => {
    const where = `line ${i + 1}`;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (!header) {
      header = true;
      if (trimmed.replace(/\s/g, '') !== CSV_HEADER)
        problems.push({ where, message: `the first line must be the header "${CSV_HEADER}"` });
      return;
    }
    if (trimmed.includes('"'))
      return void problems.push({ where, message: 'quoted fields are not accepted' });
    const fields = trimmed.split(',').map((f) => f.trim());
    if (fields.length !== 3)
      return void problems.push({ where, message: `expected 3 fields, found ${fields.length}` });
    raws.push({ where, meterId: fields[0], eui64: fields[1], psk: fields[2] });
  });
  if (!header)
    problems.push({ where: 'line 1', message: `empty file (expected the header "${CSV_HEADER}")` });
  if (raws.length > MAX_ENTRIES)
    problems.push({ where: 'file', message: `more than ${MAX_ENTRIES} entries` });
  return validate(raws, problems);
}

export function parseMeterCredentialJson(text: string): MeterCredentialInput[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    // V8's message may quote the text around the error (a PSK, perhaps): report only where.
    const position = /position (\d+)/.exec((e as Error).message)?.[1];
    const where =
      position === undefined ? 'file' : `line ${text.slice(0, Number(position)).split('\n').length}`;
    throw new MeterImportError([{ where, message: 'not valid JSON' }]);
  }
  if (!Array.isArray(doc))
    throw new MeterImportError([{ where: 'file', message: 'expected an array of {meterId, eui64, psk}' }]);
  if (doc.length > MAX_ENTRIES)
    throw new MeterImportError([{ where: 'file', message: `more than ${MAX_ENTRIES} entries` }]);
  const problems: ImportProblem[] = [];
  const raws: Raw[] = [];
  doc.forEach((entry: unknown, i) => {
    const where = `entry ${i}`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
      return void problems.push({ where, message: 'expected an object {meterId, eui64, psk}' });
    const extra = Object.keys(entry).filter((k) => k !== 'meterId' && k !== 'eui64' && k !== 'psk');
    if (extra.length > 0)
      return void problems.push({ where, message: `unknown field(s): ${extra.join(', ')}` });
    const e = entry as Record<string, unknown>;
    raws.push({ where, meterId: e.meterId, eui64: e.eui64, psk: e.psk });
  });
  return validate(raws, problems);
}
