/**
 * ECHONET object (EOJ) helpers (Part II §3.2.4): 3 bytes, class group code, class code, instance
 * code, handled here as one 24-bit number (0x028801 = meter instance 1).
 */

function byte(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`${what} must be a byte, got ${v}`);
  return v;
}

export function makeEoj(classGroup: number, classCode: number, instance: number): number {
  return (
    (byte(classGroup, 'class group') << 16) |
    (byte(classCode, 'class code') << 8) |
    byte(instance, 'instance')
  );
}

export function isEoj(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xffffff;
}

export function eojClassGroup(eoj: number): number {
  return (eoj >>> 16) & 0xff;
}

/** Class group and class code together, e.g. 0x0288. */
export function eojClass(eoj: number): number {
  return (eoj >>> 8) & 0xffff;
}

export function eojInstance(eoj: number): number {
  return eoj & 0xff;
}

/** Six lowercase hex digits, e.g. "028801". */
export function formatEoj(eoj: number): string {
  return eoj.toString(16).padStart(6, '0');
}
