import type { User } from '@warbler/protocol';
import { useT } from '../../i18n/i18n.js';

/** The members matching what follows an `@`, as a listbox the composer drives with the arrow keys. */
export function MentionPicker(p: { users: User[]; active: number; onPick: (u: User) => void }) {
  const t = useT();
  if (p.users.length === 0) return null;
  return (
    <ul class="mentions" role="listbox" id="mention-list" aria-label={t('chat.mentionList')}>
      {p.users.map((u, i) => (
        <li
          key={u.id}
          id={`mention-${u.id}`}
          role="option"
          aria-selected={i === p.active}
          onMouseDown={(e) => (e.preventDefault(), p.onPick(u))}
        >
          {u.displayName} <span class="hint">@{u.username}</span>
        </li>
      ))}
    </ul>
  );
}

/** The partial `@name` just before the caret, if the user is typing one. */
export function mentionQuery(text: string, caret: number): string | undefined {
  const m = /(?:^|\s)@([\p{L}\p{N}_.-]*)$/u.exec(text.slice(0, caret));
  return m ? m[1]!.toLowerCase() : undefined;
}

/** The users whose `@username` is in the text: the message's mentions. */
export function mentionedIn(text: string, users: User[]): number[] {
  return users
    .filter((u) => new RegExp(`(^|\\s)@${u.username.replace(/[.]/g, '\\.')}(?![\\p{L}\\p{N}_.-])`, 'u').test(text))
    .map((u) => u.id);
}
