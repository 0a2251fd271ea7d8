export { TabletRadio, airAddressing } from './tablet-radio.ts';
export type { AirAddressing, TabletRadioOptions, TabletSite } from './tablet-radio.ts';
export { TabletSniffer } from './sniffer.ts';
export { FieldDongle } from './field-dongle.ts';
export type { FieldDongleOptions } from './field-dongle.ts';
