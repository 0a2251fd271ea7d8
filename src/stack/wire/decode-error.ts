/**
 * The one error every decoder throws on bad input (DESIGN.md §3.3).
 *
 * `codec` names the format ("ieee802154", "pana", ...), `offset` is the byte offset in the
 * input where the problem was found, `reason` says what was wrong in words a log reader can act on.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';

  constructor(
    readonly codec: string,
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${codec}: ${reason} at offset ${offset}`);
  }
}

/** Throws a DecodeError unless `condition` holds. */
export function ensure(condition: boolean, codec: string, reason: string, offset: number): asserts condition {
  if (!condition) throw new DecodeError(codec, reason, offset);
}
