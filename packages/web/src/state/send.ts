import { parseDirectConvId, type Message } from '@warbler/protocol';
import { WarblerRequestError } from '@warbler/sdk';
import { app } from './app.js';
import { api } from './client.js';
import type { PendingMessage } from './model.js';

let counter = 0;
/** A clientId as docs/protocol.md asks: time first, then random, then a counter. */
function newClientId(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}-w${(++counter).toString(36)}`;
}

/** Where a message to `conv` goes: `to` the peer in a one-to-one chat (which may not exist yet), else the conversation. */
function target(conv: string, me: number): { to: number } | { conv: string } {
  const pair = parseDirectConvId(conv);
  if (!pair) return { conv };
  return { to: pair[0] === me ? pair[1] : pair[0] };
}

function setPending(change: (p: PendingMessage[]) => PendingMessage[]): void {
  app.update((s) => ({ ...s, pending: change(s.pending) }));
}

/**
 * Sends a text message: shown as "sending" at once, kept by the SDK across drops and resent with the
 * same clientId until the server acknowledges it (then it comes back as a message and the pending one goes).
 */
export function sendText(conv: string, text: string, opts: { replyTo?: Message; mentions?: number[] } = {}): void {
  const me = app.get().me!.id;
  const clientId = newClientId();
  const reply = opts.replyTo;
  setPending((p) => [
    ...p,
    {
      clientId,
      conv,
      text,
      ts: Date.now(),
      ...(reply ? { replyTo: { seq: reply.seq, from: reply.from, ...(reply.text !== undefined ? { text: reply.text } : {}) } } : {}),
    },
  ]);
  api()
    .send({
      ...target(conv, me),
      clientId,
      text,
      ...(reply ? { replyTo: reply.seq } : {}),
      ...(opts.mentions?.length ? { mentions: opts.mentions } : {}),
    })
    .then(
      () => setPending((p) => p.filter((x) => x.clientId !== clientId)),
      (e: unknown) => {
        const code = e instanceof WarblerRequestError ? e.code : 'internal';
        setPending((p) => p.map((x) => (x.clientId === clientId ? { ...x, failed: code } : x)));
      },
    );
}

/** Takes a failed message off the screen. */
export function dismissPending(clientId: string): void {
  setPending((p) => p.filter((x) => x.clientId !== clientId));
}

export const editMessage = (conv: string, seq: number, text: string) => api().edit(conv, seq, text);
export const recallMessage = (conv: string, seq: number) => api().recall(conv, seq);

/** Adds the user's reaction, or takes it back when they had it. */
export function toggleReaction(m: Message, emoji: string): Promise<unknown> {
  const me = app.get().me!.id;
  const on = !(m.reactions?.[emoji] ?? []).includes(me);
  return api().react(m.conv, m.seq, emoji, on);
}
