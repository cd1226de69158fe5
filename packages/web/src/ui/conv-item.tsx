import type { Conversation } from '@warbler/protocol';
import { shortWhen } from '../format/time.js';
import { useLang, useT } from '../i18n/i18n.js';
import { useApp } from '../state/app.js';
import { navigate, useRoute } from '../state/router.js';
import { Avatar } from './avatar.js';
import { convTitle } from './conv-title.js';
import { MessagePreview } from './message-preview.js';

/** One row of the list: name, last message and time, unread badge, mention, pinned and muted marks. */
export function ConvItem({ c }: { c: Conversation }) {
  const t = useT();
  const lang = useLang();
  const route = useRoute();
  const users = useApp((s) => s.users);
  const me = useApp((s) => s.me!.id);
  const online = useApp((s) => (c.peer ? (s.presence[c.peer.id]?.online ?? false) : undefined));
  const title = convTitle(c.conv, c, users, me, t);
  const current = route.view === 'chat' && route.conv === c.conv;
  return (
    <li>
      <a
        href={`/chat/${encodeURIComponent(c.conv)}`}
        class={current ? 'conv current' : 'conv'}
        aria-current={current ? 'page' : undefined}
        onClick={(e) => (e.preventDefault(), navigate({ view: 'chat', conv: c.conv }))}
      >
        <Avatar name={title} online={online} />
        <span class="conv-main">
          <span class="conv-top">
            <span class="conv-name">{title}</span>
            {c.lastMessage && <time class="when">{shortWhen(c.updatedAt, lang)}</time>}
          </span>
          <span class="conv-bottom">
            <span class="preview">{c.lastMessage ? <MessagePreview m={c.lastMessage} /> : t('convs.noMessages')}</span>
            {c.pinned && (
              <span class="mark" title={t('convs.pinned')} aria-label={t('convs.pinned')}>
                📌
              </span>
            )}
            {c.muted && (
              <span class="mark" title={t('convs.muted')} aria-label={t('convs.muted')}>
                🔕
              </span>
            )}
            {c.mentioned && (
              <span class="mention-badge" aria-label={t('convs.mentioned')}>
                @
              </span>
            )}
            {c.unread > 0 && (
              <span class={c.muted ? 'badge muted' : 'badge'} aria-label={t('convs.unread', { n: c.unread })}>
                {c.unread > 99 ? '99+' : c.unread}
              </span>
            )}
          </span>
        </span>
      </a>
    </li>
  );
}
