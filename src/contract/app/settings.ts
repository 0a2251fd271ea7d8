/** App settings: what a worker may change on the tablet. Nothing here is secret. */
import { z } from 'zod';

export const Language = z.enum(['en', 'ja']);
export type Language = z.infer<typeof Language>;

/** `high-contrast` is the sunlight theme: black on white, thick outlines, no colour-only cues. */
export const Theme = z.enum(['light', 'dark', 'high-contrast']);
export type Theme = z.infer<typeof Theme>;

/** A USB vendor:product pair as lsusb prints it (`10c4:ea60`), lower-case hex. */
export const UsbIdText = z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{4}$/, 'vendor:product, 4 hex digits each');

export const Settings = z.strictObject({
  language: Language,
  theme: Theme,
  /** USB ids the dongle picker offers; empty means the built-in list of known dongles. */
  dongleAllowList: z.array(UsbIdText).max(32),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = { language: 'en', theme: 'light', dongleAllowList: [] };
