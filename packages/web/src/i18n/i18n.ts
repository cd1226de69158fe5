import { en, type StringKey, type Strings } from './en.js';
import { zh } from './zh.js';
import { Store, useSelect } from '../state/store.js';

export const LANGUAGES = { en, zh } as const;
export type Lang = keyof typeof LANGUAGES;
/** The user's choice: a language, or `auto` (the browser's). */
export type LangChoice = Lang | 'auto';

const KEY = 'warbler.lang';

/** The browser's language when it is one the app has (Chinese for any `zh-*`), else English. */
function browserLang(): Lang {
  for (const l of navigator.languages ?? [navigator.language]) {
    if (l.toLowerCase().startsWith('zh')) return 'zh';
    if (l.toLowerCase().startsWith('en')) return 'en';
  }
  return 'en';
}

function resolve(choice: LangChoice): Lang {
  return choice === 'auto' ? browserLang() : choice;
}

const saved = localStorage.getItem(KEY);
/** The language choice, persisted on this browser. */
export const langStore = new Store<LangChoice>(saved === 'en' || saved === 'zh' ? saved : 'auto');

export function setLang(choice: LangChoice): void {
  if (choice === 'auto') localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, choice);
  langStore.update(() => choice);
  applyLang();
}

/** Sets `<html lang>` so screen readers and fonts follow the language. */
export function applyLang(): void {
  document.documentElement.lang = resolve(langStore.get()) === 'zh' ? 'zh-CN' : 'en';
}

export type Translate = (key: StringKey, vars?: Record<string, string | number>) => string;

function translator(strings: Strings): Translate {
  return (key, vars) => {
    const s = strings[key];
    return vars ? s.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? '')) : s;
  };
}

/** The current language's translate function, outside components (notifications). */
export function currentT(): Translate {
  return translator(LANGUAGES[resolve(langStore.get())]);
}

/** The translate function of the current language; re-renders the component when it changes. */
export function useT(): Translate {
  const lang = useSelect(langStore, (c) => resolve(c));
  return translator(LANGUAGES[lang]);
}

/** The current language, for date formatting. */
export function useLang(): Lang {
  return useSelect(langStore, (c) => resolve(c));
}
