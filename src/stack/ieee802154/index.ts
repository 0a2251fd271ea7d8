export * from './constants.ts';
export type { AuxSecurityHeader } from './security-header.ts';
export {
  auxSecurityHeaderLength,
  ccmStarNonce,
  decodeAuxSecurityHeader,
  encodeAuxSecurityHeader,
} from './security-header.ts';
export type { FrameControl } from './frame-control.ts';
export { decodeFrameControl, encodeFrameControl, panIdPresence } from './frame-control.ts';
export type { HeaderIe, PayloadIe } from './ie.ts';
export {
  HEADER_IE_ELEMENT_ID,
  PAYLOAD_IE_GROUP_ID,
  decodePayloadIes,
  encodePayloadIes,
  isHeaderTermination,
} from './ie.ts';
export type { FcsLength } from './fcs.ts';
export { appendFcs, checkFcs, computeFcs, crc16Itut, crc32Itut, stripFcs } from './fcs.ts';
export type { FrameCodecOptions, MacAddress, MacFrame, ParsedFrame } from './frame.ts';
export { decodeFrame, encodeFrame, encodeMacHeader, parseFrame } from './frame.ts';
export type {
  KeyLookup,
  SecureFrameOptions,
  UnsecureFailure,
  UnsecureFrameOptions,
  UnsecureResult,
} from './secured-frame.ts';
export { secureFrame, unsecureFrame } from './secured-frame.ts';
