import { Type, type Static } from '@sinclair/typebox';
import { MESSAGE_KINDS } from './kinds.js';
import { LIMITS } from './limits.js';

/** A user id: a positive integer. */
export const UserId = Type.Integer({ minimum: 1 });
/**
 * A conversation id: `d:<low user id>:<high user id>` one-to-one, `g:<group id>` a group,
 * `u:<user id>` the user's own account log (events about the account, never written by clients).
 */
export const ConvId = Type.String({
  pattern: '^(d:[1-9][0-9]{0,15}:[1-9][0-9]{0,15}|g:[1-9][0-9]{0,15}|u:[1-9][0-9]{0,15})$',
  maxLength: 40,
});
/** A per-conversation sequence number; 0 means "before the first message". */
export const Seq = Type.Integer({ minimum: 0 });
/** The sequence of a message that exists: 1 or more. */
export const MsgSeq = Type.Integer({ minimum: 1 });
export const ClientMsgId = Type.String({ minLength: 1, maxLength: 64 });
export const PageLimit = Type.Integer({ minimum: 1, maximum: LIMITS.maxPage });
/** A URL or other reference a client shows as an image; the server does not fetch it. */
export const Url = Type.String({ minLength: 1, maxLength: 2048 });

export const User = Type.Object({
  id: UserId,
  username: Type.String(),
  displayName: Type.String(),
  avatar: Type.Optional(Type.String()),
  bio: Type.Optional(Type.String()),
});
export type User = Static<typeof User>;

/** Metadata of an image, file, audio or video: a URL or an attachment id (uploads), and what a client shows. */
export const Media = Type.Object({
  url: Type.Optional(Url),
  attachment: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  name: Type.Optional(Type.String({ maxLength: 256 })),
  mime: Type.Optional(Type.String({ maxLength: 128 })),
  size: Type.Optional(Type.Integer({ minimum: 0 })),
  width: Type.Optional(Type.Integer({ minimum: 0 })),
  height: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Milliseconds, for audio and video. */
  duration: Type.Optional(Type.Integer({ minimum: 0 })),
  thumbnail: Type.Optional(Url),
});
export type Media = Static<typeof Media>;

export const Location = Type.Object({
  lat: Type.Number({ minimum: -90, maximum: 90 }),
  lon: Type.Number({ minimum: -180, maximum: 180 }),
  name: Type.Optional(Type.String({ maxLength: 256 })),
  address: Type.Optional(Type.String({ maxLength: 512 })),
});
export type Location = Static<typeof Location>;

/** What a reply shows of the message it answers, copied by the server when the reply is stored. */
export const Quote = Type.Object({
  seq: MsgSeq,
  from: UserId,
  kind: Type.String(),
  /** The start of the quoted text (at most 200 characters), when it has text. */
  text: Type.Optional(Type.String()),
  /** The quoted message was recalled: the quote has lost its text. */
  recalled: Type.Optional(Type.Boolean()),
});
export type Quote = Static<typeof Quote>;

/** Where a forwarded message came from. */
export const Forwarded = Type.Object({ from: UserId, ts: Type.Integer() });

/**
 * The content fields a client may send (msg.send) and a message carries. Which are required depends
 * on `kind`: `text` needs `text`; `image`/`file`/`audio`/`video` need `media` (with `url` or
 * `attachment`), `text` is an optional caption; `location` needs `location`; `custom` needs `custom`.
 */
export const ContentFields = {
  text: Type.Optional(Type.String({ minLength: 1 })),
  media: Type.Optional(Media),
  location: Type.Optional(Location),
  /** Application-defined JSON, at most `limits.maxContentBytes` encoded. */
  custom: Type.Optional(Type.Unknown()),
  /** User ids mentioned (at most 100). */
  mentions: Type.Optional(Type.Array(UserId, { maxItems: 100 })),
  /** @all: in a group, by an admin or the owner. */
  mentionAll: Type.Optional(Type.Boolean()),
};

export const Message = Type.Object({
  /** Server id, unique across the server. */
  id: Type.Integer(),
  conv: ConvId,
  seq: MsgSeq,
  from: UserId,
  clientId: Type.String(),
  /** Server time of storing, milliseconds since the epoch. */
  ts: Type.Integer(),
  kind: Type.Union(MESSAGE_KINDS.map((k) => Type.Literal(k))),
  ...ContentFields,
  text: Type.Optional(Type.String()),
  replyTo: Type.Optional(Quote),
  forwarded: Type.Optional(Forwarded),
  /** The sequence an `edit`, `recall` or `reaction` acts on. */
  target: Type.Optional(MsgSeq),
  /** A `reaction`'s emoji, and whether it was added (true) or taken back (false). */
  emoji: Type.Optional(Type.String()),
  on: Type.Optional(Type.Boolean()),
  /** A `group` or `account` event: `type` says which, the rest is documented per type. */
  event: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  /**
   * State of a content message as of when it was read: edited (text is the latest), recalled (content
   * removed). On an `edit` entry, `recalled` says its target was recalled and the entry lost its text.
   */
  edited: Type.Optional(Type.Boolean()),
  recalled: Type.Optional(Type.Boolean()),
  /** Emoji → user ids that reacted with it. */
  reactions: Type.Optional(Type.Record(Type.String(), Type.Array(UserId))),
  /** Deleted by the reader for themself (content removed, sequence kept). */
  deleted: Type.Optional(Type.Boolean()),
});
export type Message = Static<typeof Message>;

/**
 * The ack of an entry a client adds to a conversation (`msg.send` and the message actions): its server
 * id, conversation, sequence and time, the clientId as sent, and whether that clientId was stored before.
 */
export const EntryAck = Type.Object({
  id: Type.Integer(),
  conv: ConvId,
  seq: Type.Integer(),
  ts: Type.Integer(),
  clientId: Type.String(),
  duplicate: Type.Boolean(),
});

/** What the conversation list shows of a group. */
export const GroupSummary = Type.Object({
  name: Type.String(),
  avatar: Type.Optional(Type.String()),
  memberCount: Type.Integer({ minimum: 0 }),
});
export type GroupSummary = Static<typeof GroupSummary>;

export const Conversation = Type.Object({
  conv: ConvId,
  kind: Type.Union([Type.Literal('direct'), Type.Literal('group')]),
  /** The other participant of a one-to-one conversation. */
  peer: Type.Optional(User),
  /** The group, for a group conversation. */
  group: Type.Optional(GroupSummary),
  lastSeq: Seq,
  readSeq: Seq,
  unread: Type.Integer({ minimum: 0 }),
  lastMessage: Type.Union([Message, Type.Null()]),
  updatedAt: Type.Integer(),
  pinned: Type.Boolean(),
  muted: Type.Boolean(),
  archived: Type.Boolean(),
  /** An unread message mentions the user (or @all). */
  mentioned: Type.Boolean(),
  /** One-to-one: the peer's read and delivery cursors (receipts for the user's own messages). */
  peerReadSeq: Type.Optional(Seq),
  peerDeliveredSeq: Type.Optional(Seq),
});
export type Conversation = Static<typeof Conversation>;
