import { Type } from '@sinclair/typebox';
import { ClientMsgId, ConvId, EntryAck, MsgSeq, Seq, UserId } from './common.js';

/** Most messages one `msg.delete` deletes. */
const MAX_DELETE_SEQS = 100;
/** Longest reaction, in UTF-16 code units (one emoji, possibly a long ZWJ sequence). */
const MAX_EMOJI_CHARS = 32;

/**
 * Message actions (edit, recall, reactions, delete for me, forward), receipts and conversation flags.
 * Spread into OPS / EVENTS by schemas.ts. Documented in docs/protocol.md.
 */
export const ACTION_OPS = {
  'msg.edit': {
    data: Type.Object({ conv: ConvId, seq: MsgSeq, text: Type.String({ minLength: 1 }), clientId: ClientMsgId }),
    result: EntryAck,
  },
  'msg.recall': {
    data: Type.Object({ conv: ConvId, seq: MsgSeq, clientId: ClientMsgId }),
    result: EntryAck,
  },
  'msg.react': {
    data: Type.Object({
      conv: ConvId,
      seq: MsgSeq,
      emoji: Type.String({ minLength: 1, maxLength: MAX_EMOJI_CHARS }),
      /** true adds the caller's reaction, false takes it back. */
      on: Type.Boolean(),
      clientId: ClientMsgId,
    }),
    result: EntryAck,
  },
  'msg.delete': {
    data: Type.Object({ conv: ConvId, seqs: Type.Array(MsgSeq, { minItems: 1, maxItems: MAX_DELETE_SEQS }) }),
    result: Type.Object({ conv: ConvId, seqs: Type.Array(MsgSeq) }),
  },
  'msg.forward': {
    data: Type.Object({
      conv: ConvId,
      seq: MsgSeq,
      /** Where to: a user (their one-to-one conversation with the caller) or a conversation; exactly one. */
      to: Type.Optional(UserId),
      toConv: Type.Optional(ConvId),
      clientId: ClientMsgId,
    }),
    result: EntryAck,
  },
  'msg.receipts': {
    data: Type.Object({ conv: ConvId, seq: MsgSeq }),
    result: Type.Object({
      /** Members other than the sender who read the message. */
      read: Type.Integer({ minimum: 0 }),
      /** Members other than the sender it was delivered to (read counts as delivered). */
      delivered: Type.Integer({ minimum: 0 }),
      /** Who read it, when the conversation has at most `groups.whoReadMaxMembers` members. */
      readBy: Type.Optional(Type.Array(UserId)),
    }),
  },
  'conv.delivered': {
    data: Type.Object({ conv: ConvId, seq: Seq }),
    result: Type.Object({ conv: ConvId, deliveredSeq: Seq }),
  },
  'conv.update': {
    data: Type.Object({
      conv: ConvId,
      pinned: Type.Optional(Type.Boolean()),
      muted: Type.Optional(Type.Boolean()),
      archived: Type.Optional(Type.Boolean()),
    }),
    result: Type.Object({ conv: ConvId, pinned: Type.Boolean(), muted: Type.Boolean(), archived: Type.Boolean() }),
  },
} as const;

export const ACTION_EVENTS = {
  /** In a one-to-one conversation, the other member's delivery or read cursor moved. */
  receipt: Type.Object({
    conv: ConvId,
    user: UserId,
    delivered: Type.Optional(Seq),
    read: Type.Optional(Seq),
  }),
} as const;
