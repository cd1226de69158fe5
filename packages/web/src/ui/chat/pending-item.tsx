import { useT } from '../../i18n/i18n.js';
import type { PendingMessage } from '../../state/model.js';
import { dismissPending } from '../../state/send.js';

/** A message of the user not acknowledged yet ("sending"), or refused ("not sent", dismissable). */
export function PendingItem({ p }: { p: PendingMessage }) {
  const t = useT();
  return (
    <li class="msg own pending">
      <div class="bubble">
        {p.replyTo && <blockquote class="quote">{p.replyTo.text}</blockquote>}
        <p class="text">{p.text}</p>
        <p class="meta">
          {p.failed ? (
            <button type="button" class="link error" onClick={() => dismissPending(p.clientId)}>
              {t('chat.failed', { code: p.failed })} ✕
            </button>
          ) : (
            <span class="receipt">{t('chat.sending')}</span>
          )}
        </p>
      </div>
    </li>
  );
}
