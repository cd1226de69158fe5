import type { Lang } from '../i18n/i18n.js';

const locale = (lang: Lang) => (lang === 'zh' ? 'zh-CN' : 'en');

/** The local day of a time, as a key that changes at midnight: `2026-11-30`. */
export function dayKey(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/** "Today", "Yesterday", or the date, for a day separator. */
export function dayLabel(ts: number, lang: Lang, words: { today: string; yesterday: string }): string {
  const today = new Date();
  if (dayKey(ts) === dayKey(today.getTime())) return words.today;
  if (dayKey(ts) === dayKey(today.getTime() - 86_400_000)) return words.yesterday;
  return new Date(ts).toLocaleDateString(locale(lang), { year: 'numeric', month: 'long', day: 'numeric', weekday: 'short' });
}

/** "14:05" for a message. */
export function clock(ts: number, lang: Lang): string {
  return new Date(ts).toLocaleTimeString(locale(lang), { hour: '2-digit', minute: '2-digit' });
}

/** The time of a conversation's last message: the clock today, else the date. */
export function shortWhen(ts: number, lang: Lang): string {
  if (dayKey(ts) === dayKey(Date.now())) return clock(ts, lang);
  return new Date(ts).toLocaleDateString(locale(lang), { month: 'short', day: 'numeric' });
}
