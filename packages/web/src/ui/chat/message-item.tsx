import type { Message } from '@warbler/protocol';
import { useState } from 'preact/hooks';
import { clock } from '../../format/time.js';
import { useLang, useT } from '../../i18n/i18n.js';
import { useApp } from '../../state/app.js';
import { nameOf } from '../../state/users.js';
import { groupEventText } from '../message-preview.js';
import type { ComposeMode } from './compose-mode.js';
import { MessageActions } from './message-actions.js';
import { MessageText } from './message-text.js';
import { Reactions } from './reactions.js';
import { ReceiptMark } from './receipt-mark.js';

/** One message: sender (in groups), quote, text with mentions, time, edited, receipt, reactions, actions. */
export function MessageItem({ m, onAction }: { m: Message; onAction: (mode: ComposeMode) => void }) {
  const t = useT();
  const lang = useLang();
  const users = useApp((s) => s.users);
  const me = useApp((s) => s.me!.id);
  const [open, setOpen] = useState(false);
  if (m.kind === 'group')
    return (
      <li class="system" data-seq={m.seq}>
        {groupEventText(m, users, t)}
      </li>
    );
  const own = m.from === me;
  const group = m.conv.startsWith('g:');
  return (
    <li class={own ? 'msg own' : 'msg'} data-seq={m.seq}>
      <div class="bubble">
        {group && !own && <p class="sender">{nameOf(users, m.from)}</p>}
        {m.replyTo && (
          <blockquote class="quote">
            <strong>{nameOf(users, m.replyTo.from)}</strong>{' '}
            {m.replyTo.recalled ? t('chat.recalled') : (m.replyTo.text ?? `[${m.replyTo.kind}]`)}
          </blockquote>
        )}
        {m.recalled ? (
          <p class="text recalled">{t('chat.recalled')}</p>
        ) : m.deleted ? (
          <p class="text recalled">{t('chat.deleted')}</p>
        ) : (
          <MessageText m={m} />
        )}
        <p class="meta">
          <time dateTime={new Date(m.ts).toISOString()}>{clock(m.ts, lang)}</time>
          {m.edited && !m.recalled && <span class="edited"> · {t('chat.edited')}</span>}
          {own && !m.recalled && <ReceiptMark m={m} />}
        </p>
        {!m.recalled && m.reactions && <Reactions m={m} />}
      </div>
      {!m.recalled && !m.deleted && (
        <button type="button" class="more" aria-expanded={open} aria-label={t('chat.actions')} onClick={() => setOpen(!open)}>
          ⋯
        </button>
      )}
      {open && <MessageActions m={m} own={own} onAction={onAction} onClose={() => setOpen(false)} />}
    </li>
  );
}
