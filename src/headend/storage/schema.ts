/**
 * The head-end schema as numbered migrations (see migrations.ts). Never edit a released step:
 * add a new one. Times are integer milliseconds since the Unix epoch (`*_ms`); tables are STRICT
 * so a value of the wrong type is refused rather than silently stored.
 */
import type { Migration } from './migrations.ts';

const V1_CORE = `
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('field-worker', 'supervisor', 'admin')),
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  source TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  ended_at_ms INTEGER
) STRICT;
CREATE INDEX sessions_by_account ON sessions (account_id);

CREATE TABLE meters (
  meter_id TEXT PRIMARY KEY,
  eui64 TEXT NOT NULL UNIQUE CHECK (length(eui64) = 16 AND eui64 NOT GLOB '*[^0-9a-f]*'),
  site TEXT NOT NULL,
  latitude REAL NOT NULL CHECK (latitude BETWEEN -90 AND 90),
  longitude REAL NOT NULL CHECK (longitude BETWEEN -180 AND 180),
  serving_via TEXT NOT NULL CHECK (serving_via IN ('gateway', 'tool')),
  serving_id TEXT NOT NULL,
  serving_since_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX meters_by_site ON meters (site);

CREATE TABLE work_orders (
  id TEXT PRIMARY KEY,
  worker_id TEXT NOT NULL REFERENCES accounts (id),
  tool_id TEXT NOT NULL,
  window_start_ms INTEGER NOT NULL,
  window_end_ms INTEGER NOT NULL CHECK (window_end_ms > window_start_ms),
  state TEXT NOT NULL CHECK (state IN ('assigned', 'active', 'completed', 'cancelled')),
  created_by TEXT NOT NULL REFERENCES accounts (id),
  created_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX work_orders_by_worker ON work_orders (worker_id);

CREATE TABLE work_order_meters (
  work_order_id TEXT NOT NULL REFERENCES work_orders (id),
  meter_id TEXT NOT NULL REFERENCES meters (meter_id),
  PRIMARY KEY (work_order_id, meter_id)
) STRICT;

CREATE TABLE access_grants (
  id TEXT PRIMARY KEY,
  work_order_id TEXT NOT NULL REFERENCES work_orders (id),
  worker_id TEXT NOT NULL REFERENCES accounts (id),
  tool_id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'issued', 'revoked')),
  requested_at_ms INTEGER NOT NULL,
  approved_by TEXT REFERENCES accounts (id),
  approved_at_ms INTEGER,
  verification_key_hash TEXT UNIQUE,
  verification_expires_at_ms INTEGER,
  verification_used_at_ms INTEGER,
  access_key_hash TEXT UNIQUE,
  access_expires_at_ms INTEGER,
  revoked_by TEXT, -- an account id, or "system:…" when the server revoked it itself
  revoked_at_ms INTEGER
) STRICT;
CREATE INDEX access_grants_by_work_order ON access_grants (work_order_id);

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  actor TEXT,
  action TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('allowed', 'denied', 'done')),
  subject TEXT,
  reason TEXT,
  detail TEXT CHECK (detail IS NULL OR json_valid(detail))
) STRICT;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`;

const V1_READINGS = `
CREATE TABLE reading_batches (
  batch_id TEXT PRIMARY KEY,
  received_at_ms INTEGER NOT NULL,
  row_count INTEGER NOT NULL CHECK (row_count >= 0)
) STRICT;

CREATE TABLE readings (
  id INTEGER PRIMARY KEY,
  batch_id TEXT NOT NULL REFERENCES reading_batches (batch_id),
  meter_id TEXT NOT NULL REFERENCES meters (meter_id),
  read_at_ms INTEGER NOT NULL,
  instantaneous_power_w INTEGER,
  current_r_deciampere INTEGER,
  current_t_deciampere INTEGER
) STRICT;
CREATE INDEX readings_by_meter_time ON readings (meter_id, read_at_ms);
CREATE INDEX readings_by_batch ON readings (batch_id);

CREATE TABLE reading_registers (
  reading_id INTEGER NOT NULL REFERENCES readings (id),
  register TEXT NOT NULL CHECK (register IN ('normal', 'reverse')),
  raw INTEGER NOT NULL CHECK (raw >= 0),
  coefficient INTEGER NOT NULL CHECK (coefficient BETWEEN 1 AND 999999),
  unit_exponent INTEGER NOT NULL CHECK (unit_exponent BETWEEN -4 AND 4),
  digits INTEGER NOT NULL CHECK (digits BETWEEN 1 AND 8),
  PRIMARY KEY (reading_id, register)
) STRICT;

CREATE TABLE reading_history (
  reading_id INTEGER NOT NULL REFERENCES readings (id),
  register TEXT NOT NULL CHECK (register IN ('normal', 'reverse')),
  day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  slots TEXT NOT NULL CHECK (json_valid(slots) AND json_array_length(slots) = 48),
  PRIMARY KEY (reading_id, register, day)
) STRICT;

CREATE TABLE read_exceptions (
  id INTEGER PRIMARY KEY,
  batch_id TEXT NOT NULL REFERENCES reading_batches (batch_id),
  meter_id TEXT NOT NULL REFERENCES meters (meter_id),
  at_ms INTEGER NOT NULL,
  reason TEXT NOT NULL,
  detail TEXT
) STRICT;
CREATE INDEX read_exceptions_by_meter_time ON read_exceptions (meter_id, at_ms);
CREATE INDEX read_exceptions_by_batch ON read_exceptions (batch_id);
`;

/**
 * Key server (src/headend/keys): meter EAP-PSK credentials, tools allowed to authenticate, and the
 * network keys. Secret columns (`psk_sealed`, `key_sealed`) hold AES-256-GCM boxes under the key
 * server's master key (keys/sealed-box.ts), never clear bytes. `meter_credentials` is separate
 * from `meters` (the AMR registry with site and serving path): a credential can be imported
 * before the meter is installed, and the AMR side never reads a PSK.
 */
const V2_KEY_SERVER = `
CREATE TABLE meter_credentials (
  meter_id TEXT PRIMARY KEY,
  eui64 TEXT NOT NULL UNIQUE CHECK (length(eui64) = 16 AND eui64 NOT GLOB '*[^0-9a-f]*'),
  id_p TEXT NOT NULL UNIQUE,
  psk_sealed BLOB NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  revoked_at_ms INTEGER
) STRICT;

CREATE TABLE tools (
  device_id TEXT PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  created_at_ms INTEGER NOT NULL,
  revoked_at_ms INTEGER
) STRICT;

CREATE TABLE network_keys (
  id TEXT PRIMARY KEY,
  key_index INTEGER NOT NULL CHECK (key_index BETWEEN 1 AND 255),
  state TEXT NOT NULL CHECK (state IN ('next', 'current', 'previous', 'retired')),
  key_sealed BLOB, -- NULL once retired: the material is erased, the history row stays
  lifetime_ms INTEGER NOT NULL CHECK (lifetime_ms > 0),
  reason TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  activate_at_ms INTEGER NOT NULL,
  activated_at_ms INTEGER,
  retire_at_ms INTEGER,
  retired_at_ms INTEGER,
  CHECK ((state = 'retired') = (key_sealed IS NULL))
) STRICT;
-- At most one key in each live state.
CREATE UNIQUE INDEX network_keys_one_live_per_state ON network_keys (state) WHERE state <> 'retired';
`;

/**
 * AMR/DR (src/headend/amr): demand-response authorisations a supervisor issues for one meter and
 * one action; a tool's DR command consumes one (single use, before expiry). The command's result
 * goes to the append-only audit log, not here.
 */
const V3_DR_AUTHORISATIONS = `
CREATE TABLE dr_authorisations (
  id TEXT PRIMARY KEY,
  meter_id TEXT NOT NULL REFERENCES meters (meter_id),
  action TEXT NOT NULL CHECK (action IN ('disconnect', 'reconnect', 'load-limit')),
  load_limit_w INTEGER CHECK (load_limit_w IS NULL OR load_limit_w >= 0),
  issued_by TEXT NOT NULL,
  issued_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL CHECK (expires_at_ms > issued_at_ms),
  used_at_ms INTEGER,
  used_by TEXT,
  CHECK ((action = 'load-limit') = (load_limit_w IS NOT NULL))
) STRICT;
CREATE INDEX dr_authorisations_by_meter ON dr_authorisations (meter_id, issued_at_ms);
CREATE INDEX read_exceptions_by_time ON read_exceptions (at_ms);
`;

/**
 * Key server: the grace a new network key gives the key it replaces, when it is not the policy's
 * default — a rotation after a compromise (a revoked tool held the key) retires the old key
 * sooner. NULL: the policy's grace.
 */
const V4_KEY_REPLACED_GRACE = `
ALTER TABLE network_keys ADD COLUMN replaced_grace_ms INTEGER
  CHECK (replaced_grace_ms IS NULL OR replaced_grace_ms >= 0);
`;

export const HEADEND_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'accounts, sessions, meters, work orders, access grants, append-only audit log, readings',
    up: (db) => {
      db.exec(V1_CORE);
      db.exec(V1_READINGS);
    },
  },
  {
    version: 2,
    description: 'key server: meter credentials (sealed PSKs), tools, network keys',
    up: (db) => {
      db.exec(V2_KEY_SERVER);
    },
  },
  {
    version: 3,
    description: 'AMR/DR: demand-response authorisations; read exceptions by time',
    up: (db) => {
      db.exec(V3_DR_AUTHORISATIONS);
    },
  },
  {
    version: 4,
    description: 'key server: per-key grace for the key it replaces (short after a compromise)',
    up: (db) => {
      db.exec(V4_KEY_REPLACED_GRACE);
    },
  },
];
