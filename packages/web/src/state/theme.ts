import { Store } from './store.js';

/** The theme choice: the system's (`prefers-color-scheme`), or one forced. */
export type Theme = 'system' | 'light' | 'dark';
const KEY = 'warbler.theme';

const saved = localStorage.getItem(KEY);
export const themeStore = new Store<Theme>(saved === 'light' || saved === 'dark' ? saved : 'system');

/** Sets `data-theme` on `<html>` (styles.css reads it); `system` leaves it to the media query. */
export function applyTheme(): void {
  const t = themeStore.get();
  if (t === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = t;
}

export function setTheme(t: Theme): void {
  if (t === 'system') localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, t);
  themeStore.update(() => t);
  applyTheme();
}
