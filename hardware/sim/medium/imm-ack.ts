/**
 * Real Imm-Ack frames for the medium's ACKs. Without a builder the medium puts `ackPsduOctets`
 * zero octets on air, which is fine for timing but not for a capture a sniffer would take: tshark
 * reads those zeros as a malformed beacon. This builds what a radio sends instead.
 */
import { FRAME_TYPE, FRAME_VERSION, encodeFrame } from '../../../src/stack/ieee802154/index.ts';

// 802.15.4-2015 §7.2.2: frame control (little-endian) bit 8 = Sequence Number Suppression.
const FC_SEQUENCE_NUMBER_SUPPRESSION = 1 << 8;

/**
 * `acknowledged` → the Imm-Ack a receiver answers it with: frame control ‖ the acknowledged frame's
 * sequence number ‖ FCS (802.15.4-2006 §7.2.2.3), 3 + `fcsLength` octets — 7 with the SUN PHY's
 * 4-octet FCS, the medium's default ACK length. Frames without a sequence number (version 2,
 * suppressed) would need an Enh-Ack; FieldRoot's mesh never sends them, so they get sequence 0.
 */
export function immAckBuilder(fcsLength: 2 | 4): (acknowledged: Uint8Array) => Uint8Array {
  return (acknowledged) => {
    const fc = (acknowledged[0] ?? 0) | ((acknowledged[1] ?? 0) << 8);
    const seq = (fc & FC_SEQUENCE_NUMBER_SUPPRESSION) === 0 ? (acknowledged[2] ?? 0) : 0;
    return encodeFrame(
      {
        frameType: FRAME_TYPE.ACKNOWLEDGMENT,
        frameVersion: FRAME_VERSION.IEEE_802_15_4_2006,
        framePending: false,
        ackRequest: false,
        sequenceNumber: seq,
        payload: new Uint8Array(0),
      },
      { fcsLength },
    );
  };
}
