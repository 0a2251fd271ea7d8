/**
 * The wall clock the WireGuard client stamps its initiations with (TAI64N, whitepaper §5.1).
 * The gateway refuses an initiation whose timestamp is not greater than the last one it accepted
 * from the tool, and it remembers that across the tool's restarts. If the tablet's clock steps
 * back (a dead RTC battery, a bad NTP answer) a naive client would be locked out until its clock
 * caught up. So the last value sent is persisted in the vault and the clock never goes below it:
 * on start the first value is max(now, last + 1 ms), and every value after is strictly greater
 * than the one before.
 *
 * Writes to the vault are queued and serialised, so a handshake never waits for the keychain; the
 * value in memory protects the running process even if a write fails.
 */
import type { CredentialVault } from './credential-vault.ts';
import { VAULT_ENTRY } from './credential-vault.ts';

const STORED_BYTES = 8;

export class PersistedHandshakeClock {
  private last: number;
  private writing: Promise<void> = Promise.resolve();
  private writeFailures = 0;

  private constructor(
    private readonly vault: CredentialVault,
    private readonly now: () => number,
    last: number,
  ) {
    this.last = last;
  }

  /** Loads the last timestamp from the vault (0 when absent or malformed). */
  static async open(vault: CredentialVault, now: () => number = Date.now): Promise<PersistedHandshakeClock> {
    const stored = await vault.read(VAULT_ENTRY.LAST_HANDSHAKE_TIMESTAMP);
    let last = 0;
    if (stored !== null && stored.length === STORED_BYTES) {
      const value = new DataView(stored.buffer, stored.byteOffset, STORED_BYTES).getFloat64(0);
      if (Number.isSafeInteger(value) && value > 0) last = value;
    }
    return new PersistedHandshakeClock(vault, now, last);
  }

  /** Unix ms for the next initiation: never less than, nor equal to, any value given before. */
  readonly wallClock = (): number => {
    const value = Math.max(Math.floor(this.now()), this.last + 1);
    this.last = value;
    this.persist(value);
    return value;
  };

  /** The last value given (or loaded). */
  get lastIssued(): number {
    return this.last;
  }

  /** Failed vault writes (the value in memory still protects this run). */
  get failures(): number {
    return this.writeFailures;
  }

  /** Resolves when every queued write has been attempted. */
  flush(): Promise<void> {
    return this.writing;
  }

  private persist(value: number): void {
    const bytes = new Uint8Array(STORED_BYTES);
    new DataView(bytes.buffer).setFloat64(0, value);
    this.writing = this.writing
      .then(() => this.vault.write(VAULT_ENTRY.LAST_HANDSHAKE_TIMESTAMP, bytes))
      .catch(() => {
        this.writeFailures++;
      });
  }
}
