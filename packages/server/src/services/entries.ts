import type { RequestContext } from '../connections/request.js';
import type { MessageEffect, MessageRow, NewMessage, Store } from '../store/store.js';

/** What an entry a user makes (a send, an edit, a reaction, a forward) carries besides where it goes. */
export interface EntryContent {
  clientId: string;
  kind: string;
  /** The fields of its stored body. */
  fields: Record<string, unknown>;
  /** What else storing it changes (see MessageEffect). */
  effect?: MessageEffect;
}

/** The entry to store for `caller` in `conv`, delivered to `members` (ConvAccess.members). */
export function newEntry(caller: RequestContext, conv: string, members: readonly number[], c: EntryContent): NewMessage {
  const msg: NewMessage = {
    conv,
    members,
    senderId: caller.userId,
    clientId: c.clientId,
    kind: c.kind,
    body: JSON.stringify(c.fields),
    createdAt: Date.now(),
  };
  if (c.effect) msg.effect = c.effect;
  return msg;
}

/** The message `seq` of `conv`, or undefined. */
export async function messageAt(store: Store, conv: string, seq: number): Promise<MessageRow | undefined> {
  return (await store.getMessages(conv, [seq]))[0];
}

/**
 * When the caller already stored a message with `clientId` (a retry after a lost ack): that message
 * again, which the write batch answers as a duplicate with its original ack. So a retried action is
 * not checked again against what it changed itself (a retried recall would find its target recalled).
 */
export async function storedAgain(store: Store, caller: RequestContext, clientId: string): Promise<NewMessage | undefined> {
  const r = await store.messageByClientId(caller.userId, clientId);
  return r && { conv: r.conv, members: [], senderId: r.senderId, clientId: r.clientId, kind: r.kind, body: r.body, createdAt: r.createdAt };
}
