import { STRINGS, type Strings } from './i18n.ts';
import { useApp } from './store.ts';

/** The strings of the language the worker chose. */
export function useStrings(): Strings {
  return STRINGS[useApp((s) => s.settings.language)];
}
