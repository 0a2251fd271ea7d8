/**
 * Structured logging: one JSON object per line, with a level, a module name and fields.
 *
 * Secrets are redacted by type, before anything reaches the sink:
 * - `SecretBytes` values print as `[secret <label>]`;
 * - raw byte arrays print as `{ bytes: <length> }`, never their contents, because a payload may be
 *   a decrypted frame or a meter reading (DESIGN.md §3.4: logs never contain keys or decrypted
 *   payloads);
 * - fields whose name ends in a secret noun (networkKey, psk, msk, password, token, ...) print as
 *   `[redacted]` whatever their type.
 */
import { SecretBytes } from './secret.ts';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

export interface LogRecord {
  time: string;
  level: LogLevel;
  module: string;
  msg: string;
  [field: string]: unknown;
}

export type LogSink = (line: string, record: LogRecord) => void;

// A field is secret when its name ends in a secret noun: networkKey, psk, sessionToken (not keyIndex).
const SECRET_FIELD = /(key|psk|msk|emsk|tek|kdk|secret|password|passphrase|token|credentials?)$/i;
const MAX_DEPTH = 6;

function redact(value: unknown, fieldName: string, depth: number): unknown {
  if (value instanceof SecretBytes) return value.toString();
  if (fieldName !== '' && SECRET_FIELD.test(fieldName) && value !== undefined && typeof value !== 'boolean') {
    return '[redacted]';
  }
  if (value instanceof Uint8Array) return { bytes: value.length };
  if (value instanceof ArrayBuffer) return { bytes: value.byteLength };
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    for (const [k, v] of Object.entries(value)) out[k] = redact(v, k, depth + 1);
    return out;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => redact(v, '', depth + 1));
  if (value instanceof Map) return redact(Object.fromEntries(value), fieldName, depth);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redact(v, k, depth + 1);
  return out;
}

/** The JSON line a record becomes, after redaction. Exposed so tests can check redaction. */
export function formatRecord(
  level: LogLevel,
  module: string,
  msg: string,
  fields: LogFields,
  now: Date,
): LogRecord {
  const record: LogRecord = { time: now.toISOString(), level, module, msg };
  for (const [k, v] of Object.entries(fields)) {
    if (k === 'time' || k === 'level' || k === 'module' || k === 'msg') continue;
    record[k] = redact(v, k, 0);
  }
  return record;
}

export interface LoggerOptions {
  level?: LogLevel;
  sink?: LogSink;
  clock?: () => Date;
}

export class Logger {
  private readonly minLevel: number;
  private readonly sink: LogSink;
  private readonly clock: () => Date;

  constructor(
    readonly module: string,
    options: LoggerOptions = {},
  ) {
    this.minLevel = LOG_LEVELS.indexOf(options.level ?? defaultLevel());
    this.sink = options.sink ?? stderrSink;
    this.clock = options.clock ?? (() => new Date());
  }

  /** A logger for a sub-module sharing this one's sink and level: `root.child('pana')` → "root.pana". */
  child(name: string): Logger {
    return new Logger(`${this.module}.${name}`, {
      level: LOG_LEVELS[this.minLevel],
      sink: this.sink,
      clock: this.clock,
    });
  }

  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= this.minLevel;
  }

  log(level: LogLevel, msg: string, fields: LogFields = {}): void {
    if (!this.enabled(level)) return;
    const record = formatRecord(level, this.module, msg, fields, this.clock());
    this.sink(JSON.stringify(record), record);
  }

  trace(msg: string, fields?: LogFields): void {
    this.log('trace', msg, fields);
  }
  debug(msg: string, fields?: LogFields): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log('error', msg, fields);
  }
}

function defaultLevel(): LogLevel {
  const env = process.env.FIELDROOT_LOG_LEVEL;
  return (LOG_LEVELS as readonly string[]).includes(env ?? '') ? (env as LogLevel) : 'info';
}

const stderrSink: LogSink = (line) => {
  process.stderr.write(line + '\n');
};

/** A sink that keeps lines in memory (tests, and the UI's diagnostics view). Bounded. */
export function memorySink(limit = 10_000): LogSink & { lines: string[] } {
  const lines: string[] = [];
  const sink: LogSink = (line) => {
    lines.push(line);
    if (lines.length > limit) lines.shift();
  };
  return Object.assign(sink, { lines });
}

export function createLogger(module: string, options?: LoggerOptions): Logger {
  return new Logger(module, options);
}
