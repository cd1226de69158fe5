import type { Message } from '@warbler/protocol';
import { useT } from '../../i18n/i18n.js';
import { useApp } from '../../state/app.js';
import { toggleReaction } from '../../state/send.js';
import { nameOf } from '../../state/users.js';

/** The reactions under a message: each emoji with its count; pressing one adds or takes back the user's. */
export function Reactions({ m }: { m: Message }) {
  const t = useT();
  const me = useApp((s) => s.me!.id);
  const users = useApp((s) => s.users);
  const entries = Object.entries(m.reactions ?? {});
  if (entries.length === 0) return null;
  return (
    <div class="reactions" role="group" aria-label={t('chat.reactions')}>
      {entries.map(([emoji, who]) => (
        <button
          key={emoji}
          type="button"
          class="reaction"
          aria-pressed={who.includes(me)}
          title={who.map((u) => nameOf(users, u)).join(', ')}
          onClick={() => void toggleReaction(m, emoji).catch(() => undefined)}
        >
          {emoji} {who.length}
        </button>
      ))}
    </div>
  );
}
