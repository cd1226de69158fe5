import type { Message } from '@warbler/protocol';
import { app } from './app.js';
import { api } from './client.js';
import { applyEntry, isListed } from './entries.js';
import type { ChatState } from './model.js';
import { ensureUsers } from './users.js';

const PAGE = 50;

function setChat(conv: string, change: (c: ChatState) => ChatState): void {
  app.update((s) => {
    const c = s.chats[conv] ?? { messages: [], more: true, loading: false };
    const next = change(c);
    return next === c ? s : { ...s, chats: { ...s.chats, [conv]: next } };
  });
}

/** Loads the newest page of a conversation the first time it is opened. */
export async function openChat(conv: string): Promise<void> {
  if (app.get().chats[conv]) return;
  await loadPage(conv, undefined);
}

/** Loads the page before the oldest message shown (scrolling up). */
export async function loadOlder(conv: string): Promise<void> {
  const c = app.get().chats[conv];
  if (!c || c.loading || !c.more) return;
  await loadPage(conv, c.messages[0]?.seq);
}

async function loadPage(conv: string, before: number | undefined): Promise<void> {
  setChat(conv, (c) => ({ ...c, loading: true }));
  try {
    // A conversation that has no message yet (a new one-to-one chat) is an empty page.
    const page = await api()
      .history(conv, before, PAGE)
      .catch((e: { code?: string }) => {
        if (e.code === 'conversation_not_found') return { messages: [] as Message[], more: false };
        throw e;
      });
    const listed = page.messages.filter(isListed);
    ensureUsers(sendersOf(listed));
    setChat(conv, (c) => {
      // Entries that arrived live meanwhile are kept; the page fills in before them.
      let messages = listed;
      for (const m of c.messages) messages = applyEntry(messages, m);
      return { messages, more: page.more, loading: false };
    });
  } catch (e) {
    setChat(conv, (c) => ({ ...c, loading: false }));
    throw e;
  }
}

/** A live entry (push, sync, own ack) of a conversation whose history is loaded. */
export function noteChatEntry(m: Message): void {
  if (!app.get().chats[m.conv]) return;
  ensureUsers(sendersOf([m]));
  setChat(m.conv, (c) => {
    const messages = applyEntry(c.messages, m);
    return messages === c.messages ? c : { ...c, messages };
  });
}

function sendersOf(messages: Message[]): number[] {
  const ids = new Set<number>();
  for (const m of messages) {
    ids.add(m.from);
    if (m.replyTo) ids.add(m.replyTo.from);
    const users = (m.event as { users?: number[] } | undefined)?.users;
    for (const u of users ?? []) ids.add(u);
  }
  return [...ids];
}
