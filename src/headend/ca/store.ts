/**
 * Where the CA keeps its key, its certificate and its records (issued certificates, enrolments).
 * The CA private key stays on the head-end: the file store writes it with mode 0600 in a 0700
 * folder under the data folder; another store (an HSM-backed one, a database) can be injected.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CaKeyMaterial {
  readonly certificatePem: string;
  /** PKCS #8 PEM of the CA's ECDSA P-256 private key. */
  readonly privateKeyPem: string;
}

export type CaRecordKind = 'issued' | 'enrolments';

export interface CaStore {
  loadKey(): Promise<CaKeyMaterial | undefined>;
  saveKey(material: CaKeyMaterial): Promise<void>;
  /** The records of a kind as last saved (JSON values), or [] when none were saved. */
  loadRecords(kind: CaRecordKind): Promise<unknown[]>;
  saveRecords(kind: CaRecordKind, records: readonly unknown[]): Promise<void>;
}

export const CA_FOLDER = 'ca';
export const CA_KEY_FILE = 'ca-key.pem';
export const CA_CERT_FILE = 'ca-cert.pem';
const SECRET_FILE_MODE = 0o600;

/** Writes through a temporary file and a rename, so a crash leaves the old or the new file. */
function writeAtomically(path: string, text: string, mode: number): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode); // the umask may have cleared bits of `mode` when the file was created
  renameSync(tmp, path);
}

/** A CaStore in `<dataDirectory>/ca/`. */
export function fileCaStore(dataDirectory: string): CaStore {
  const dir = join(dataDirectory, CA_FOLDER);
  const ensureDir = () => mkdirSync(dir, { recursive: true, mode: 0o700 });
  const recordsFile = (kind: CaRecordKind) => join(dir, `${kind}.json`);
  return {
    loadKey() {
      const keyPath = join(dir, CA_KEY_FILE);
      if (!existsSync(keyPath)) return Promise.resolve(undefined);
      return Promise.resolve({
        privateKeyPem: readFileSync(keyPath, 'utf8'),
        certificatePem: readFileSync(join(dir, CA_CERT_FILE), 'utf8'),
      });
    },
    saveKey(material) {
      ensureDir();
      writeAtomically(join(dir, CA_CERT_FILE), material.certificatePem, 0o644);
      writeAtomically(join(dir, CA_KEY_FILE), material.privateKeyPem, SECRET_FILE_MODE);
      return Promise.resolve();
    },
    loadRecords(kind) {
      const path = recordsFile(kind);
      if (!existsSync(path)) return Promise.resolve([]);
      const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
      if (!Array.isArray(parsed)) throw new Error(`${path} does not hold a JSON array`);
      return Promise.resolve(parsed as unknown[]);
    },
    saveRecords(kind, records) {
      ensureDir();
      writeAtomically(recordsFile(kind), JSON.stringify(records), SECRET_FILE_MODE);
      return Promise.resolve();
    },
  };
}

/** A CaStore in memory (tests, and a head-end that must not write the key to disk). */
export function memoryCaStore(): CaStore {
  let key: CaKeyMaterial | undefined;
  const records = new Map<CaRecordKind, string>();
  return {
    loadKey: () => Promise.resolve(key),
    saveKey(material) {
      key = material;
      return Promise.resolve();
    },
    loadRecords: (kind) => Promise.resolve(JSON.parse(records.get(kind) ?? '[]') as unknown[]),
    saveRecords(kind, list) {
      records.set(kind, JSON.stringify(list));
      return Promise.resolve();
    },
  };
}
