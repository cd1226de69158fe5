import type { Message } from '@warbler/protocol';
import { useT } from '../i18n/i18n.js';
import { useApp } from '../state/app.js';
import { nameOf } from '../state/users.js';

/** One line for a message: its text, "[image]", "recalled", or what a group event did. */
export function MessagePreview({ m }: { m: Message }) {
  const t = useT();
  const users = useApp((s) => s.users);
  if (m.recalled) return <>{t('chat.recalled')}</>;
  if (m.deleted) return <>{t('chat.deleted')}</>;
  if (m.kind === 'group') return <>{groupEventText(m, users, t)}</>;
  if (m.text) return <>{m.text}</>;
  return <>{t('chat.media', { kind: m.kind })}</>;
}

export function groupEventText(m: Message, users: Parameters<typeof nameOf>[0], t: ReturnType<typeof useT>): string {
  const e = (m.event ?? {}) as { type?: string; users?: number[]; name?: string; announcement?: string };
  const who = nameOf(users, m.from);
  const whom = (e.users ?? []).map((u) => nameOf(users, u)).join(', ');
  const detail = [who, e.type ?? '', whom, e.name ?? '', e.announcement ?? ''].filter(Boolean).join(' · ');
  return t('chat.groupEvent', { type: detail });
}
