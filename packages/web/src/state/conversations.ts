import type { Conversation, Message } from '@warbler/protocol';
import { app } from './app.js';
import { api } from './client.js';
import { rememberUsers, watchPresence } from './users.js';

/** Most conversations the list loads (pages of 100). */
const MAX_LISTED = 500;

/** Loads the conversation list from the server (most recent first) and watches the peers' presence. */
export async function loadConversations(): Promise<void> {
  const all: Conversation[] = [];
  let before: string | undefined;
  do {
    const page = await api().conversations(100, before);
    all.push(...page.conversations);
    before = page.more ? page.next : undefined;
  } while (before && all.length < MAX_LISTED);
  rememberUsers(all.flatMap((c) => (c.peer && c.peer.username ? [c.peer] : [])));
  app.update((s) => ({ ...s, convs: Object.fromEntries(all.map((c) => [c.conv, c])) }));
  await watchPresence(all.flatMap((c) => (c.peer ? [c.peer.id] : []))).catch(() => undefined);
}

let reload: ReturnType<typeof setTimeout> | undefined;
/** Reloads the list soon, once for many calls (a message of a conversation the list does not have yet). */
export function reloadConversationsSoon(): void {
  reload ??= setTimeout(() => {
    reload = undefined;
    void loadConversations().catch(() => undefined);
  }, 300);
}

/** The list as shown: pinned first, then most recently active; archived ones apart. */
export function sortedConversations(convs: Record<string, Conversation>, archived: boolean): Conversation[] {
  return Object.values(convs)
    .filter((c) => c.archived === archived)
    .sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.updatedAt - a.updatedAt);
}

/**
 * A new entry of a conversation: its last message, sequence, time and unread count as the server
 * counts them (`lastSeq − readSeq`, actions included), and `mentioned` when it names the user.
 */
export function noteEntry(m: Message, me: number): void {
  const c = app.get().convs[m.conv];
  if (!c) return reloadConversationsSoon();
  if (m.seq <= c.lastSeq) return;
  const mine = m.from === me;
  const readSeq = mine ? m.seq : c.readSeq;
  const listed = m.kind !== 'edit' && m.kind !== 'recall' && m.kind !== 'reaction';
  const mentions = !mine && (m.mentions?.includes(me) || m.mentionAll === true);
  const next: Conversation = {
    ...c,
    lastSeq: m.seq,
    readSeq,
    unread: m.seq - readSeq,
    updatedAt: listed ? m.ts : c.updatedAt,
    lastMessage: listed ? m : c.lastMessage,
    mentioned: mine ? false : c.mentioned || mentions,
  };
  app.update((s) => ({ ...s, convs: { ...s.convs, [m.conv]: next } }));
}

/** The read cursor moved (here, or on another device): unread and mentions follow. */
export function noteRead(conv: string, seq: number): void {
  app.update((s) => {
    const c = s.convs[conv];
    if (!c || seq <= c.readSeq) return s;
    const readSeq = Math.min(seq, c.lastSeq);
    return {
      ...s,
      convs: { ...s.convs, [conv]: { ...c, readSeq, unread: c.lastSeq - readSeq, mentioned: c.lastSeq > readSeq && c.mentioned } },
    };
  });
}

/** Marks everything of the conversation read (when it is open and the tab is visible). */
export function markAllRead(conv: string): void {
  const c = app.get().convs[conv];
  if (!c || c.unread === 0 || document.visibilityState !== 'visible') return;
  noteRead(conv, c.lastSeq);
  api()
    .markRead(conv, c.lastSeq)
    .catch(() => undefined);
}

/** Sets the user's pinned / muted / archived flags of a conversation. */
export async function setFlags(conv: string, flags: { pinned?: boolean; muted?: boolean; archived?: boolean }): Promise<void> {
  await api().updateConversation(conv, flags);
  noteFlags(conv, flags);
}

/** Flags changed (here, or an account event from another device). */
export function noteFlags(conv: string, flags: { pinned?: boolean; muted?: boolean; archived?: boolean }): void {
  app.update((s) => {
    const c = s.convs[conv];
    return c ? { ...s, convs: { ...s.convs, [conv]: { ...c, ...flags } } } : s;
  });
}

/** The peer's read or delivery cursor moved (a `receipt` event, one-to-one). */
export function noteReceipt(conv: string, read?: number, delivered?: number): void {
  app.update((s) => {
    const c = s.convs[conv];
    if (!c) return s;
    const next = { ...c };
    if (read !== undefined) next.peerReadSeq = Math.max(read, c.peerReadSeq ?? 0);
    if (delivered !== undefined) next.peerDeliveredSeq = Math.max(delivered, c.peerDeliveredSeq ?? 0);
    return { ...s, convs: { ...s.convs, [conv]: next } };
  });
}

/** A group the user no longer reads (left, removed, dissolved): out of the list. */
export function forgetConversation(conv: string): void {
  app.update((s) => {
    if (!s.convs[conv]) return s;
    const convs = { ...s.convs };
    delete convs[conv];
    return { ...s, convs };
  });
}
