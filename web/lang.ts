// Japanese and English for both pages: picking the language, and filling a message's {names}.
// Each page keeps its own messages (web/i18n.ts, web/admin/i18n.ts) and builds its `t` here.

export type Lang = 'ja' | 'en';

/** The stored choice, else Japanese if the browser prefers Japanese before English. */
export function preferredLang(languages: readonly string[], stored: string | null): Lang {
  if (stored === 'ja' || stored === 'en') return stored;
  for (const l of languages) {
    if (/^ja\b/i.test(l)) return 'ja';
    if (/^en\b/i.test(l)) return 'en';
  }
  return 'en';
}

export interface Translator<Key extends string> {
  currentLang(): Lang;
  setLang(lang: Lang): void;
  t(key: Key, values?: Record<string, string | number>): string;
  isMessageKey(key: string): key is Key;
}

/** English is complete by type; Japanese must have every key too. */
export function translator<Key extends string>(
  en: Record<Key, string>,
  ja: Record<Key, string>,
): Translator<Key> {
  const dictionaries: Record<Lang, Record<Key, string>> = { en, ja };
  let current: Lang = 'en';
  return {
    currentLang: () => current,
    setLang: (lang) => {
      current = lang;
    },
    t: (key, values = {}) =>
      (dictionaries[current][key] ?? en[key]).replace(/\{(\w+)\}/g, (_, name: string) =>
        String(values[name] ?? ''),
      ),
    isMessageKey: (key): key is Key => Object.hasOwn(en, key),
  };
}

/**
 * A moment in the page's language (in the browser's own variant of it), to the minute, in the
 * browser's time zone and naming it ("2026年12月4日 21:00 JST", "Dec 4, 2026, 9:00 PM GMT+9"):
 * a link may be sent, and an admin may work, across time zones. dateStyle/timeStyle cannot be
 * combined with timeZoneName, hence the explicit fields.
 */
export function formatMoment(lang: Lang, iso: string): string {
  return new Intl.DateTimeFormat(localeFor(lang), {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(iso));
}

/** The browser's own variant of the page's language (en-GB, ja-JP...), else the language. */
export function localeFor(lang: Lang): string {
  return navigator.languages.find((l) => l.toLowerCase().startsWith(lang)) ?? lang;
}
