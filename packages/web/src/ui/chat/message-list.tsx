import { useLayoutEffect, useRef } from 'preact/hooks';
import { dayKey, dayLabel } from '../../format/time.js';
import { useLang, useT } from '../../i18n/i18n.js';
import { useApp } from '../../state/app.js';
import { loadOlder } from '../../state/chats.js';
import type { ComposeMode } from './compose-mode.js';
import { MessageItem } from './message-item.js';
import { PendingItem } from './pending-item.js';

/**
 * The history of a conversation, oldest at the top, with a separator for each day. Scrolling to the
 * top (or the button there) loads the page before; a new message scrolls down when the view was at
 * the bottom already.
 */
export function MessageList({ conv, onAction }: { conv: string; onAction: (m: ComposeMode) => void }) {
  const t = useT();
  const lang = useLang();
  const chat = useApp((s) => s.chats[conv]);
  const pending = useApp((s) => s.pending);
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const heightBefore = useRef(0);
  const messages = chat?.messages ?? [];
  const mine = pending.filter((p) => p.conv === conv);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    // After an older page came in, keep the message that was at the top where it was.
    if (heightBefore.current) el.scrollTop += el.scrollHeight - heightBefore.current;
    else if (atBottom.current) el.scrollTop = el.scrollHeight;
    heightBefore.current = 0;
  }, [messages, mine.length]);

  const older = () => {
    heightBefore.current = box.current?.scrollHeight ?? 0;
    void loadOlder(conv).catch(() => (heightBefore.current = 0));
  };
  const onScroll = () => {
    const el = box.current!;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (el.scrollTop < 20 && chat?.more && !chat.loading) older();
  };

  let lastDay = '';
  return (
    <div class="messages" ref={box} onScroll={onScroll} role="log" aria-label={t('chat.messages')} tabIndex={0}>
      {chat &&
        (chat.more ? (
          <button type="button" class="link older" onClick={older} disabled={chat.loading}>
            {t('chat.older')}
          </button>
        ) : (
          <p class="hint center">{t('chat.noMore')}</p>
        ))}
      <ol class="message-list">
        {messages.map((m) => {
          const day = dayKey(m.ts);
          const sep = day !== lastDay;
          lastDay = day;
          return [
            sep && (
              <li key={`d${day}`} class="day">
                {dayLabel(m.ts, lang, { today: t('chat.today'), yesterday: t('chat.yesterday') })}
              </li>
            ),
            <MessageItem key={m.seq} m={m} onAction={onAction} />,
          ];
        })}
        {mine.map((p) => (
          <PendingItem key={p.clientId} p={p} />
        ))}
      </ol>
    </div>
  );
}
