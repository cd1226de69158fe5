import type { Message } from '@warbler/protocol';

/** The kinds a chat shows as a bubble; `group` events show as a line; actions change their target. */
const ACTIONS = new Set(['edit', 'recall', 'reaction']);

/** True for an entry the chat view lists (content and group events), false for actions and account events. */
export function isListed(m: Message): boolean {
  return !ACTIONS.has(m.kind) && m.kind !== 'account';
}

/**
 * Applies one entry of a conversation to the messages loaded of it (oldest first): a listed entry is
 * added in `seq` order (once), an action changes its target as the server did (docs/protocol.md,
 * Message actions). Returns the same array when nothing changed.
 */
export function applyEntry(messages: Message[], m: Message): Message[] {
  if (isListed(m)) return insertBySeq(messages, m);
  const i = m.target === undefined ? -1 : messages.findIndex((x) => x.seq === m.target);
  if (i < 0) return messages;
  const target = messages[i]!;
  // An action that comes after a recall changes nothing (the server's rule for races).
  if (target.recalled) return messages;
  const changed = applyAction(target, m);
  if (changed === target) return messages;
  const out = messages.slice();
  out[i] = changed;
  return recallQuotes(out, m);
}

function applyAction(t: Message, a: Message): Message {
  switch (a.kind) {
    case 'edit':
      return a.text === undefined ? t : { ...t, text: a.text, edited: true };
    case 'recall': {
      // The content and reactions go for everyone; the header stays.
      const header = { ...t, recalled: true };
      for (const k of ['text', 'media', 'location', 'custom', 'reactions', 'mentions'] as const) delete header[k];
      return header;
    }
    case 'reaction':
      return { ...t, reactions: react(t.reactions ?? {}, a.emoji ?? '', a.from, a.on !== false) };
    default:
      return t;
  }
}

function react(r: Record<string, number[]>, emoji: string, user: number, on: boolean): Record<string, number[]> {
  const users = r[emoji] ?? [];
  const has = users.includes(user);
  if (has === on) return r;
  const next = { ...r, [emoji]: on ? [...users, user] : users.filter((u) => u !== user) };
  if (next[emoji]!.length === 0) delete next[emoji];
  return next;
}

/** After a recall, the quotes of the recalled message lose their text too. */
function recallQuotes(messages: Message[], a: Message): Message[] {
  if (a.kind !== 'recall') return messages;
  return messages.map((x) =>
    x.replyTo && x.replyTo.seq === a.target
      ? { ...x, replyTo: { seq: x.replyTo.seq, from: x.replyTo.from, kind: x.replyTo.kind, recalled: true } }
      : x,
  );
}

function insertBySeq(messages: Message[], m: Message): Message[] {
  const last = messages[messages.length - 1];
  if (!last || last.seq < m.seq) return [...messages, m];
  if (messages.some((x) => x.seq === m.seq)) return messages;
  return [...messages, m].sort((a, b) => a.seq - b.seq);
}

/** The text a conversation list or notification shows for a message. */
export function previewOf(m: Message): { text?: string; kind: string; recalled?: boolean } {
  if (m.recalled) return { kind: m.kind, recalled: true };
  return { kind: m.kind, ...(m.text !== undefined ? { text: m.text } : {}) };
}
