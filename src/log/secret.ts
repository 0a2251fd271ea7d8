/**
 * A secret byte string (key, PSK, MSK, password hash input). It cannot be logged, serialised or
 * printed by accident: toString, toJSON and Node's inspect all yield a redaction marker. Use
 * `expose()` at the one place the bytes are needed, and `wipe()` when the secret's life ends
 * (DESIGN.md §3.4).
 */
export class SecretBytes {
  #bytes: Uint8Array;
  #wiped = false;

  constructor(
    bytes: Uint8Array,
    /** What this is, for logs: "network key", "PANA_AUTH_KEY". Never the value. */
    readonly label: string,
  ) {
    this.#bytes = bytes.slice();
  }

  get length(): number {
    return this.#bytes.length;
  }

  get wiped(): boolean {
    return this.#wiped;
  }

  expose(): Uint8Array {
    if (this.#wiped) throw new Error(`secret "${this.label}" was wiped`);
    return this.#bytes;
  }

  /** Overwrites the bytes with zeros; later `expose()` calls throw. */
  wipe(): void {
    this.#bytes.fill(0);
    this.#wiped = true;
  }

  toString(): string {
    return `[secret ${this.label}]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
