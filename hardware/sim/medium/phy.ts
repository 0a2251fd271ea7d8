/**
 * SUN FSK PHY timing (IEEE 802.15.4-2015 §20, "SUN FSK PHY"; §19 in the 2020 edition) for the
 * Japanese 920 MHz band at 100 kb/s, binary 2-FSK, modulation index 1.0 (one bit per symbol, so
 * one symbol is 10 µs).
 *
 * PPDU format (§20.2): SHR = preamble + SFD, then the 2-octet PHR, then the PSDU, which already includes
 * the FCS (4 octets in this project, DESIGN.md §4). Airtime of a frame:
 *
 *   airtime = (preambleOctets + sfdOctets + phrOctets + psduOctets) · 8 / bitRate
 *
 * e.g. a 127-octet PSDU: (8 + 2 + 2 + 127) · 8 / 100 000 s = 11.12 ms. The standard allows a
 * configurable preamble (phyFskPreambleLength, 4 octets minimum); 8 octets is what 920 MHz
 * Wi-SUN/ARIB equipment commonly sends at 100 kb/s, so it is the default here.
 */

export interface SunFskPhy {
  /** Bit rate in b/s (100 000 for operating mode #2 of the 920 MHz band). */
  readonly bitRateBps: number;
  /** phyFskPreambleLength, in octets. */
  readonly preambleOctets: number;
  /** SFD length in octets (2 for uncoded SUN FSK). */
  readonly sfdOctets: number;
  /** PHR length in octets (2 for SUN FSK). */
  readonly phrOctets: number;
  /** aMaxPhyPacketSize for SUN PHYs (2047 octets, §11.3 Table 11-1). */
  readonly maxPsduOctets: number;
  /** aTurnaroundTime: RX-to-TX and TX-to-RX turnaround; 1 ms for SUN PHYs (§11.3 Table 11-1). */
  readonly turnaroundUs: number;
  /**
   * phyCcaDuration, as time. The PIB attribute exists for the 920 MHz band so that CCA can meet
   * ARIB STD-T108's carrier-sense time; 128 µs is ARIB's short carrier sense (with the 400 ms /
   * 360 s-per-hour transmission limits, see duty-cycle.ts). Use 5000 for the long (5 ms) regime.
   */
  readonly ccaDurationUs: number;
}

export const SUN_FSK_920MHZ_100KBPS: SunFskPhy = Object.freeze({
  bitRateBps: 100_000,
  preambleOctets: 8,
  sfdOctets: 2,
  phrOctets: 2,
  maxPsduOctets: 2047,
  turnaroundUs: 1000,
  ccaDurationUs: 128,
});

/** Octets on air in front of the PSDU (SHR + PHR). */
export function headerOctets(phy: SunFskPhy): number {
  return phy.preambleOctets + phy.sfdOctets + phy.phrOctets;
}

/** Time on air of a frame with a `psduOctets`-octet PSDU, in whole µs. */
export function airtimeUs(phy: SunFskPhy, psduOctets: number): number {
  return Math.round(((headerOctets(phy) + psduOctets) * 8 * 1_000_000) / phy.bitRateBps);
}

/** Time from the start of the frame to the end of the SFD (the receive timestamp reference). */
export function shrDurationUs(phy: SunFskPhy): number {
  return Math.round(((phy.preambleOctets + phy.sfdOctets) * 8 * 1_000_000) / phy.bitRateBps);
}

/**
 * aUnitBackoffPeriod = aTurnaroundTime + aCcaTime (§11.3 Table 11-1), with aCcaTime taken as
 * phyCcaDuration in the 920 MHz band: 1000 µs + 128 µs = 1128 µs with the defaults.
 */
export function unitBackoffUs(phy: SunFskPhy): number {
  return phy.turnaroundUs + phy.ccaDurationUs;
}
