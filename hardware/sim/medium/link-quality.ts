/**
 * From received power to "was the frame decoded" and to the RSSI/LQI the radio reports.
 *
 * Noise floor: kTB + NF. k·T at 290 K is −173.98 dBm/Hz. The receive bandwidth for 2-FSK at
 * 100 kb/s with modulation index 1.0 (deviation ±50 kHz) is taken as Carson's bandwidth,
 * 2 · (Δf + Rb/2) = 200 kHz (+53.01 dB). With a 6 dB noise figure: −114.97 dBm.
 *
 * Bit errors: non-coherent binary FSK in AWGN, Pb = ½ · exp(−Eb / 2N0) (J. Proakis, "Digital
 * Communications", 4th ed., §5.4), with Eb/N0 = SNR · B / Rb. Every bit of the PHR and PSDU must be
 * right (the FCS rejects anything else), so P(frame ok) = (1 − Pb)^(8 · (PHR + PSDU octets)). SHR
 * bits are not counted: losing sync is covered by the sensitivity threshold. With the defaults
 * this puts PER = 10 % for a 250-octet PSDU (the SUN FSK receiver-sensitivity test condition) at
 * SNR ≈ 9.6 dB, i.e. −105.3 dBm, which is why the default sensitivity is −105 dBm.
 *
 * LQI: linear in SNR from 0 at the SNR of the receiver's sensitivity to 255 at 20 dB above it,
 * clamped. The standard leaves the LQI scale to the implementer (§10, general PHY requirements);
 * 20 dB is where Pb becomes negligible. With a fixed noise floor, rssi − sensitivity is exactly
 * SNR − SNR(sensitivity), so the mapping is computed from RSSI.
 */

const KT_DBM_PER_HZ_290K = 10 * Math.log10(1.380649e-23 * 290 * 1000);

export const DEFAULT_NOISE_BANDWIDTH_HZ = 200_000;
export const DEFAULT_NOISE_FIGURE_DB = 6;
export const LQI_SPAN_DB = 20;

export function thermalNoiseFloorDbm(
  bandwidthHz = DEFAULT_NOISE_BANDWIDTH_HZ,
  noiseFigureDb = DEFAULT_NOISE_FIGURE_DB,
): number {
  return KT_DBM_PER_HZ_290K + 10 * Math.log10(bandwidthHz) + noiseFigureDb;
}

/** Bit error probability of non-coherent 2-FSK at `snrDb` measured in `bandwidthHz`. */
export function bitErrorRate2Fsk(snrDb: number, bitRateBps: number, bandwidthHz: number): number {
  const ebN0 = 10 ** (snrDb / 10) * (bandwidthHz / bitRateBps);
  return 0.5 * Math.exp(-ebN0 / 2);
}

/**
 * ln(1 − Pb): stored per link so that P(frame ok) = exp(bits · lnBitOk) costs one exp per frame.
 */
export function lnBitSuccess(bitErrorRate: number): number {
  return Math.log1p(-bitErrorRate);
}

export function frameSuccessProbability(bitErrorRate: number, bits: number): number {
  return Math.exp(bits * lnBitSuccess(bitErrorRate));
}

/** LQI 0..255 for a frame received at `rssiDbm` by a receiver with `sensitivityDbm` (see above). */
export function lqiFor(rssiDbm: number, sensitivityDbm: number): number {
  const above = rssiDbm - sensitivityDbm;
  if (above <= 0) return 0;
  if (above >= LQI_SPAN_DB) return 255;
  return Math.round((above / LQI_SPAN_DB) * 255);
}
