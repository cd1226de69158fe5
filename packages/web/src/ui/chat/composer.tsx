import type { GroupMember, User } from '@warbler/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useT } from '../../i18n/i18n.js';
import { useApp } from '../../state/app.js';
import { loadMembers } from '../../state/groups.js';
import { editMessage, sendText } from '../../state/send.js';
import { userSent, userStoppedTyping, userTyping } from '../../state/typing.js';
import { nameOf } from '../../state/users.js';
import type { ComposeMode } from './compose-mode.js';
import { MentionPicker, mentionedIn, mentionQuery } from './mention-picker.js';

/**
 * Writing a message: Enter sends (Shift+Enter for a new line); `@` in a group offers its members;
 * it also answers a message (reply) or changes one (edit).
 */
export function Composer({ conv, mode, onDone }: { conv: string; mode: ComposeMode; onDone: () => void }) {
  const t = useT();
  const users = useApp((s) => s.users);
  const me = useApp((s) => s.me!.id);
  const [text, setText] = useState('');
  const [members, setMembers] = useState<User[]>([]);
  const [query, setQuery] = useState<string>();
  const [active, setActive] = useState(0);
  const input = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (conv.startsWith('g:'))
      void loadMembers(conv)
        .then((ms: GroupMember[]) => setMembers(ms.map((m) => m.user).filter((u) => u.id !== me)))
        .catch(() => undefined);
  }, [conv, me]);
  useEffect(() => {
    if (mode && 'edit' in mode) setText(mode.edit.text ?? '');
    if (mode) input.current?.focus();
  }, [mode]);

  const matches =
    query === undefined
      ? []
      : members.filter((u) => u.username.startsWith(query) || u.displayName.toLowerCase().startsWith(query)).slice(0, 8);

  const pick = (u: User) => {
    const el = input.current!;
    const caret = el.selectionStart ?? text.length;
    const start = text.slice(0, caret).lastIndexOf('@');
    const next = `${text.slice(0, start)}@${u.username} ${text.slice(caret)}`;
    setText(next);
    setQuery(undefined);
    requestAnimationFrame(() => el.setSelectionRange(start + u.username.length + 2, start + u.username.length + 2));
  };

  const submit = () => {
    const body = text.trim();
    if (!body) return;
    if (mode && 'edit' in mode) void editMessage(conv, mode.edit.seq, body).catch(() => undefined);
    else sendText(conv, body, { ...(mode && 'reply' in mode ? { replyTo: mode.reply } : {}), mentions: mentionedIn(body, members) });
    setText('');
    setQuery(undefined);
    userSent(conv);
    onDone();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (matches.length > 0) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        pick(matches[Math.min(active, matches.length - 1)]!);
        return;
      }
      if (e.key === 'Escape') return setQuery(undefined);
    }
    if (e.key === 'Escape' && mode) {
      setText('');
      onDone();
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  const onInput = (e: Event) => {
    const el = e.currentTarget as HTMLTextAreaElement;
    setText(el.value);
    setQuery(mentionQuery(el.value, el.selectionStart ?? el.value.length));
    setActive(0);
    if (el.value) userTyping(conv);
    else userStoppedTyping(conv);
  };

  const editing = mode && 'edit' in mode;
  return (
    <form class="composer" onSubmit={(e) => (e.preventDefault(), submit())}>
      {mode && (
        <div class="compose-mode">
          <span>{editing ? t('chat.editing') : t('chat.replyingTo', { name: nameOf(users, mode.reply.from) })}</span>
          {!editing && <q>{mode.reply.text}</q>}
          <button type="button" class="link" onClick={() => (setText(''), onDone())}>
            {editing ? t('chat.cancelEdit') : t('chat.cancelReply')}
          </button>
        </div>
      )}
      <MentionPicker users={matches} active={active} onPick={pick} />
      <label for="composer" class="visually-hidden">
        {t('chat.compose')}
      </label>
      <textarea
        id="composer"
        ref={input}
        rows={1}
        placeholder={t('chat.compose')}
        value={text}
        onInput={onInput}
        onKeyDown={onKeyDown}
        aria-controls={matches.length > 0 ? 'mention-list' : undefined}
        aria-activedescendant={matches.length > 0 ? `mention-${matches[Math.min(active, matches.length - 1)]!.id}` : undefined}
      />
      <button class="primary" type="submit">
        {editing ? t('chat.save') : t('chat.send')}
      </button>
    </form>
  );
}
