/** 6LoWPAN compression contexts (RFC 6282 §3.1.2, distributed with the 6CO option of RFC 6775 §4.2). */
import { maskPrefix } from '../ipv6/index.ts';

export interface CompressionContext {
  /** The prefix (bits after `prefixLength` are ignored). */
  prefix: Uint8Array;
  /** 0..128. */
  prefixLength: number;
  /** RFC 6775 §4.2 C flag: false means "decompress only" (a context being retired). Default true. */
  compress?: boolean;
}

/** Context identifiers 0..15 (SCI/DCI are 4 bits). Context 0 is the default one: the mesh prefix. */
export type ContextTable = ReadonlyMap<number, CompressionContext>;

export const MAX_CONTEXT_ID = 15;

/** A table holding the mesh prefix as context 0 (and any extra contexts). */
export function contextTable(
  meshPrefix: Uint8Array,
  prefixLength = 64,
  extra: Record<number, CompressionContext> = {},
): ContextTable {
  const table = new Map<number, CompressionContext>();
  table.set(0, { prefix: maskPrefix(meshPrefix, prefixLength), prefixLength });
  for (const [id, ctx] of Object.entries(extra)) {
    const n = Number(id);
    if (!Number.isInteger(n) || n < 0 || n > MAX_CONTEXT_ID)
      throw new RangeError(`context id ${id} out of range 0..15`);
    if (ctx.prefixLength < 0 || ctx.prefixLength > 128)
      throw new RangeError('context prefix length out of range');
    table.set(n, { ...ctx, prefix: maskPrefix(ctx.prefix, ctx.prefixLength) });
  }
  return table;
}
