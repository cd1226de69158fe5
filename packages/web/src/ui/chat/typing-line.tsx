import { useT } from '../../i18n/i18n.js';
import { useApp } from '../../state/app.js';
import { nameOf } from '../../state/users.js';

/** "Alice is typing…" while someone else types in this conversation. */
export function TypingLine({ conv }: { conv: string }) {
  const t = useT();
  const typing = useApp((s) => s.typing[conv]);
  const users = useApp((s) => s.users);
  const names = Object.keys(typing ?? {}).map((id) => nameOf(users, Number(id)));
  return (
    <p class="typing" aria-live="polite">
      {names.length > 0 ? t('chat.typing', { names: names.join(', ') }) : ''}
    </p>
  );
}
