import type { Message, RequestData, ResultData } from '@warbler/protocol';

/** Ops that add an entry to a conversation: sent with a clientId, resent until acknowledged. */
export type ReliableOp = 'msg.send' | 'msg.edit' | 'msg.recall' | 'msg.react' | 'msg.forward';
/** What the caller gives a reliable op: its data, the clientId optional (one is made up). */
export type ReliableInput<O extends ReliableOp> = Omit<RequestData<O>, 'clientId'> & { clientId?: string };
export type Ack = ResultData<'msg.send'>;

export interface PendingSend {
  op: ReliableOp;
  data: RequestData<ReliableOp>;
  resolve: (ack: Ack) => void;
  reject: (e: unknown) => void;
  inFlight: boolean;
  /** In the storage's outbox: only then is it sent. */
  saved: boolean;
  /** Orders the outbox across restarts. */
  n: number;
}

let clientSeq = 0;
/** A fresh clientId: the time in base 36 first (see docs/protocol.md), then a random part and a counter. */
export function newClientId(): string {
  const rand = Math.random().toString(36).slice(2, 10);
  return `${Date.now().toString(36)}-${rand}-${(++clientSeq).toString(36)}`;
}

/**
 * The sending connection gets no push: its own copy of the entry is built from the ack and what it
 * sent. A reply's quote and a forward's content are filled in by the server: those come by sync.
 */
export function ownCopy(op: ReliableOp, data: RequestData<ReliableOp>, ack: Ack, me: number): Message | undefined {
  const head = { id: ack.id, conv: ack.conv, seq: ack.seq, from: me, clientId: ack.clientId, ts: ack.ts };
  const d = data as Record<string, unknown>;
  switch (op) {
    case 'msg.send': {
      if (d.replyTo !== undefined) return undefined;
      const own: Record<string, unknown> = { ...d };
      delete own.to;
      return { ...own, ...head, kind: (d.kind as Message['kind'] | undefined) ?? 'text' } as Message;
    }
    case 'msg.edit':
      return { ...head, kind: 'edit', target: d.seq as number, text: d.text as string };
    case 'msg.recall':
      return { ...head, kind: 'recall', target: d.seq as number };
    case 'msg.react':
      return { ...head, kind: 'reaction', target: d.seq as number, emoji: d.emoji as string, on: d.on as boolean };
    default:
      return undefined;
  }
}
