import type { Message } from '@warbler/protocol';
import type { WarblerClient } from '@warbler/sdk';
import { app } from './app.js';
import { noteChatEntry } from './chats.js';
import { forgetConversation, loadConversations, markAllRead, noteEntry, noteFlags, noteRead, noteReceipt } from './conversations.js';
import { notifyMessage } from './notify.js';
import { openConv } from './router.js';
import { noteTyping } from './typing.js';

/** Calls `save` at most once a second (the cursors, after a burst of messages). */
function throttled(save: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      save();
    }, 1000);
  };
}

/**
 * Turns the client's events into state changes: every entry once and in order (the SDK's promise),
 * receipts, read cursors from other devices, presence, typing, the connection's ups and downs.
 */
export function wireEvents(client: WarblerClient, hooks: { saveCursors: () => void; authLost: (code: string) => void }): void {
  const save = throttled(hooks.saveCursors);
  client.on('message', (m) => {
    onEntry(client, m);
    save();
  });
  client.on('left', (conv) => forgetConversation(conv));
  client.on('read', ({ conv, seq }) => noteRead(conv, seq));
  client.on('receipt', (r) => noteReceipt(r.conv, r.read, r.delivered));
  client.on('typing', (t) => noteTyping(t.conv, t.user, t.typing));
  client.on('presence', (p) => {
    app.update((s) => ({
      ...s,
      presence: { ...s.presence, [p.user]: { online: p.online, ...(p.lastSeen !== undefined ? { lastSeen: p.lastSeen } : {}) } },
    }));
  });
  client.on('disconnected', () => app.update((s) => ({ ...s, connected: false })));
  client.on('reconnected', () => {
    app.update((s) => ({ ...s, connected: true }));
    // Presence watches belong to the connection, and the list may have moved while offline.
    void loadConversations().catch(() => undefined);
  });
  client.on('authLost', ({ code }) => hooks.authLost(String(code)));
}

function onEntry(client: WarblerClient, m: Message): void {
  const me = client.user?.id ?? 0;
  if (m.conv.startsWith('u:')) return onAccountEvent(m);
  noteEntry(m, me);
  noteChatEntry(m);
  if (m.from !== me) noteTyping(m.conv, m.from, false);
  if (m.kind === 'group') onGroupEvent(m, me);
  notifyMessage(m);
  if (openConv() === m.conv) markAllRead(m.conv);
}

/** The user left a group, was removed from it, or it was dissolved: it goes from the list. */
function onGroupEvent(m: Message, me: number): void {
  const e = m.event as { type?: string; users?: number[] } | undefined;
  const gone = e?.type === 'dissolved' || (e?.type === 'left' && m.from === me) || (e?.type === 'removed' && e.users?.includes(me));
  if (gone) forgetConversation(m.conv);
}

/** Events of the user's own account log: flags set on another device, contact changes. */
function onAccountEvent(m: Message): void {
  const e = m.event as { type?: string; conv?: string; pinned?: boolean; muted?: boolean; archived?: boolean } | undefined;
  if (e?.type === 'conv' && e.conv) {
    noteFlags(e.conv, { pinned: e.pinned === true, muted: e.muted === true, archived: e.archived === true });
    return;
  }
  app.update((s) => ({ ...s, contactsVersion: s.contactsVersion + 1 }));
}
