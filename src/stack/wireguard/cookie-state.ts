/**
 * State around the cookie mechanism (whitepaper §5.4.7), on top of the pure functions of
 * `cookie.ts`:
 * - `CookieSecret`: the responder's Rchanging, a random 32-byte secret replaced every
 *   COOKIE_REFRESH_TIME ("changes every two minutes").
 * - `CookieJar`: what a sender of handshake messages keeps per peer: the mac1 of its last
 *   handshake message (the AAD a cookie reply must authenticate) and the last cookie received,
 *   used for mac2 while younger than COOKIE_REFRESH_TIME (wireguard-go `CookieGenerator`).
 */
import { COOKIE_REFRESH_TIME, KEY_LENGTH } from './constants.ts';

export class CookieSecret {
  private secret: Uint8Array | null = null;
  private setAt = -Infinity;

  constructor(private readonly random: (n: number) => Uint8Array) {}

  /** The secret valid at `now`, replaced when older than COOKIE_REFRESH_TIME. */
  current(now: number): Uint8Array {
    if (this.secret === null || now - this.setAt >= COOKIE_REFRESH_TIME) {
      this.secret?.fill(0);
      this.secret = this.random(KEY_LENGTH);
      if (this.secret.length !== KEY_LENGTH) throw new RangeError('random source returned the wrong length');
      this.setAt = now;
    }
    return this.secret;
  }
}

export class CookieJar {
  private cookie: Uint8Array | null = null;
  private receivedAt = -Infinity;
  /** mac1 of the last handshake message sent, while a cookie reply to it may still come. */
  private lastMac1: Uint8Array | null = null;

  /** The cookie for mac2 at `now`, or null (mac2 then stays zero). */
  cookieFor(now: number): Uint8Array | null {
    return this.cookie !== null && now - this.receivedAt < COOKIE_REFRESH_TIME ? this.cookie : null;
  }

  sentHandshake(mac1: Uint8Array): void {
    this.lastMac1 = mac1.slice();
  }

  /** The mac1 a cookie reply must answer, or null when none is outstanding. */
  pendingMac1(): Uint8Array | null {
    return this.lastMac1;
  }

  /** Stores a cookie that opened against pendingMac1(); one reply per message sent. */
  store(now: number, cookie: Uint8Array): void {
    this.cookie = cookie.slice();
    this.receivedAt = now;
    this.lastMac1 = null;
  }

  clear(): void {
    this.cookie?.fill(0);
    this.cookie = null;
    this.lastMac1 = null;
    this.receivedAt = -Infinity;
  }
}
