/**
 * The largest PSDU a dongle can send or receive. Spinel has no property for it (spinel.h defines
 * none; OpenThread's RCP assumes `OT_RADIO_FRAME_MAX_SIZE` = 127), so the driver derives it from
 * what the dongle tells about its PHY:
 *
 * 1. CAPS lists a legacy 802.15.4 PHY (`SPINEL_CAP_802_15_4_2450MHZ_OQPSK`, `_915MHZ_OQPSK`,
 *    `_868MHZ_OQPSK`, `_915MHZ_BPSK`, `_868MHZ_BPSK`, `_915MHZ_ASK`, `_868MHZ_ASK`: caps 24–30)
 *    → 127 bytes, aMaxPhyPacketSize of those PHYs (IEEE 802.15.4-2020 §11.3, Table 11-1).
 * 2. Otherwise, every channel in PHY_CHAN_SUPPORTED lies in 11–26 (channel page 0, 2.4 GHz O-QPSK,
 *    the OpenThread simulation RCP) → 127 bytes.
 * 3. Otherwise the dongle is a sub-GHz radio that declares no legacy PHY: a SUN PHY (802.15.4g, the
 *    920 MHz Japan channels FieldRoot uses) → 2047 bytes, aMaxPhyPacketSize for SUN PHYs
 *    (IEEE 802.15.4-2020 §11.3, 11-bit PHR frame length).
 *
 * A site whose dongle breaks the rule sets `maxPsduLength` in the driver options; the override is
 * capped at 2047.
 */
import { SPINEL_CAP } from '../../src/stack/spinel/index.ts';

export const PSDU_MAX_LEGACY = 127;
export const PSDU_MAX_SUN = 2047;

const LEGACY_PHY_CAPS: readonly number[] = [
  SPINEL_CAP['802_15_4_2450MHZ_OQPSK'],
  SPINEL_CAP['802_15_4_915MHZ_OQPSK'],
  SPINEL_CAP['802_15_4_868MHZ_OQPSK'],
  SPINEL_CAP['802_15_4_915MHZ_BPSK'],
  SPINEL_CAP['802_15_4_868MHZ_BPSK'],
  SPINEL_CAP['802_15_4_915MHZ_ASK'],
  SPINEL_CAP['802_15_4_868MHZ_ASK'],
];

export interface PsduLimit {
  maxPsduLength: number;
  /** Which rule decided, for `radio info` and logs. */
  reason: string;
}

export function derivePsduLimit(caps: readonly number[], channels: readonly number[]): PsduLimit {
  const legacy = caps.filter((c) => LEGACY_PHY_CAPS.includes(c));
  if (legacy.length > 0) {
    return {
      maxPsduLength: PSDU_MAX_LEGACY,
      reason: `CAPS lists legacy 802.15.4 PHY cap ${legacy.join(', ')}`,
    };
  }
  if (channels.length > 0 && channels.every((ch) => ch >= 11 && ch <= 26)) {
    return { maxPsduLength: PSDU_MAX_LEGACY, reason: 'all supported channels are 11–26 (2.4 GHz O-QPSK)' };
  }
  return { maxPsduLength: PSDU_MAX_SUN, reason: 'sub-GHz channels and no legacy PHY cap: SUN PHY' };
}
