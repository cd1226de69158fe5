import { useLang, useT } from '../../i18n/i18n.js';
import { shortWhen } from '../../format/time.js';
import { useApp } from '../../state/app.js';
import { setFlags } from '../../state/conversations.js';
import { navigate } from '../../state/router.js';
import { Avatar } from '../avatar.js';
import { convTitle, peerOf } from '../conv-title.js';

/** The conversation's name, presence or member count, and its flags (pin, mute, archive). */
export function ChatHeader({ conv, onInfo, infoOpen }: { conv: string; onInfo: () => void; infoOpen: boolean }) {
  const t = useT();
  const lang = useLang();
  const c = useApp((s) => s.convs[conv]);
  const users = useApp((s) => s.users);
  const me = useApp((s) => s.me!.id);
  const peer = peerOf(conv, me);
  const presence = useApp((s) => (peer !== undefined ? s.presence[peer] : undefined));
  const title = convTitle(conv, c, users, me, t);
  const status = c?.group
    ? t('chat.members', { n: c.group.memberCount })
    : presence?.online
      ? t('chat.online')
      : presence?.lastSeen
        ? t('chat.lastSeen', { time: shortWhen(presence.lastSeen, lang) })
        : t('chat.offline');
  const flag = (k: 'pinned' | 'muted' | 'archived', on: string, off: string) =>
    c && (
      <button type="button" aria-pressed={c[k]} onClick={() => void setFlags(conv, { [k]: !c[k] })}>
        {c[k] ? off : on}
      </button>
    );
  return (
    <header class="chat-head">
      <button type="button" class="back" aria-label={t('chat.back')} onClick={() => navigate({ view: 'chats' })}>
        ←
      </button>
      <Avatar name={title} online={peer !== undefined ? (presence?.online ?? false) : undefined} />
      <div class="chat-title">
        <h2 id="chat-title">{title}</h2>
        <p class="status" data-testid="chat-status">
          {status}
        </p>
      </div>
      <div class="chat-flags">
        {flag('pinned', t('chat.pin'), t('chat.unpin'))}
        {flag('muted', t('chat.mute'), t('chat.unmute'))}
        {flag('archived', t('chat.archive'), t('chat.unarchive'))}
        {c?.group && (
          <button type="button" aria-expanded={infoOpen} onClick={onInfo}>
            {t('chat.groupInfo')}
          </button>
        )}
      </div>
    </header>
  );
}
