export type { PcapngFile, PcapngInterface, PcapngOption, PcapngPacket, PcapngSection } from './pcapng.ts';
export {
  BLOCK_TYPE,
  LINKTYPE,
  PCAPNG_CODEC,
  encodeEnhancedPacketBlock,
  encodeInterfaceDescriptionBlock,
  encodeSectionHeaderBlock,
  readPcapng,
} from './pcapng.ts';
export type { TapFcsType, TapInfo } from './ieee802154-tap.ts';
export { TAP_CODEC, TAP_FCS_TYPE, TAP_TLV_TYPE, decodeTapPacket, encodeTapPacket } from './ieee802154-tap.ts';
export type { CaptureRecord, CaptureWriterOptions, ReadCaptureRecord } from './writer.ts';
export { Ieee802154CaptureWriter, readIeee802154Capture, writeIeee802154Capture } from './writer.ts';
export type { NetworkKeyEntry } from './wireshark-keys.ts';
export { wiresharkKeyFile, wiresharkKeyRecords } from './wireshark-keys.ts';
