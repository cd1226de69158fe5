import type { Message } from '@warbler/protocol';
import { useT } from '../../i18n/i18n.js';
import { recallMessage, toggleReaction } from '../../state/send.js';
import type { ComposeMode } from './compose-mode.js';

/** The quick reactions offered on every message. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢'] as const;

/** What can be done with a message: react, reply; and with the user's own: edit (text) and recall. */
export function MessageActions(p: { m: Message; own: boolean; onAction: (mode: ComposeMode) => void; onClose: () => void }) {
  const t = useT();
  const { m } = p;
  const act = (f: () => unknown) => () => {
    f();
    p.onClose();
  };
  return (
    <div class="actions" role="toolbar" aria-label={t('chat.actions')}>
      {QUICK_REACTIONS.map((e) => (
        <button
          key={e}
          type="button"
          aria-label={t('chat.react', { emoji: e })}
          onClick={act(() => toggleReaction(m, e).catch(() => undefined))}
        >
          {e}
        </button>
      ))}
      <button type="button" onClick={act(() => p.onAction({ reply: m }))}>
        {t('chat.reply')}
      </button>
      {p.own && m.kind === 'text' && (
        <button type="button" onClick={act(() => p.onAction({ edit: m }))}>
          {t('chat.edit')}
        </button>
      )}
      {p.own && (
        <button type="button" onClick={act(() => recallMessage(m.conv, m.seq).catch(() => undefined))}>
          {t('chat.recall')}
        </button>
      )}
    </div>
  );
}
