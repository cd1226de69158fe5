import type { Message } from '@warbler/protocol';
import { currentT } from '../i18n/i18n.js';
import { app } from './app.js';
import { navigate, openConv } from './router.js';
import { nameOf } from './users.js';

/** Messages older than the tab are history coming in by sync, not news. */
const startedAt = Date.now();

/** Asks the browser for permission (on a click in settings); resolves with the outcome. */
export async function enableNotifications(): Promise<NotificationPermission | 'unsupported'> {
  if (!('Notification' in globalThis)) return 'unsupported';
  return Notification.requestPermission();
}

/**
 * A desktop notification for a new message from someone else, where permitted: not for a muted
 * conversation (unless it mentions the user), not while the user is looking at that conversation.
 */
export function notifyMessage(m: Message): void {
  const s = app.get();
  const me = s.me?.id;
  if (!('Notification' in globalThis) || Notification.permission !== 'granted') return;
  if (m.from === me || m.ts < startedAt || (m.kind !== 'text' && m.kind !== 'image' && m.kind !== 'file')) return;
  const mentioned = me !== undefined && (m.mentions?.includes(me) || m.mentionAll === true);
  if (s.convs[m.conv]?.muted && !mentioned) return;
  if (document.visibilityState === 'visible' && openConv() === m.conv) return;
  const t = currentT();
  const name = nameOf(s.users, m.from);
  const n = new Notification(mentioned ? t('notify.mention', { name }) : name, { body: m.text ?? '', tag: m.conv });
  n.onclick = () => {
    focus();
    navigate({ view: 'chat', conv: m.conv });
  };
}
