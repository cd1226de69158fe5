import { Type, type Static } from '@sinclair/typebox';
import { ClientMsgId, ContentFields, Conversation, ConvId, EntryAck, Message, MsgSeq, PageLimit, Seq, User, UserId } from './common.js';
import { CONTENT_KINDS } from './kinds.js';
import { ACTION_EVENTS, ACTION_OPS } from './ops-actions.js';
import { CONTACT_EVENTS, CONTACT_OPS } from './ops-contacts.js';
import { GROUP_EVENTS, GROUP_OPS } from './ops-groups.js';
import { SEARCH_OPS } from './ops-search.js';

const Password = Type.String({ minLength: 1, maxLength: 1024 });
const DeviceName = Type.String({ maxLength: 64 });

export const Device = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  createdAt: Type.Integer(),
  lastSeenAt: Type.Integer(),
  expiresAt: Type.Integer(),
  current: Type.Boolean(),
});
export type Device = Static<typeof Device>;

const Session = Type.Object({
  user: User,
  deviceId: Type.Integer(),
  token: Type.String(),
  expiresAt: Type.Integer(),
});

const Empty = Type.Object({});

/**
 * Every request type: the schema of its `data` and of its result.
 * Adding an op here makes it part of the protocol: document it in docs/protocol.md.
 */
export const OPS = {
  hello: {
    data: Type.Object({ protocol: Type.Integer(), client: Type.Optional(Type.String({ maxLength: 128 })) }),
    result: Type.Object({
      protocol: Type.Integer(),
      server: Type.String(),
      heartbeatMs: Type.Integer(),
      limits: Type.Object({ maxFrameBytes: Type.Integer(), maxTextChars: Type.Integer(), maxPage: Type.Integer() }),
    }),
  },
  'auth.register': {
    data: Type.Object({
      username: Type.String({ maxLength: 64 }),
      password: Password,
      displayName: Type.Optional(Type.String({ maxLength: 256 })),
      device: Type.Optional(DeviceName),
      /** An invite code, when the server's registration policy is `invite`. */
      invite: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    }),
    result: Session,
  },
  'auth.login': {
    data: Type.Object({ username: Type.String({ maxLength: 64 }), password: Password, device: Type.Optional(DeviceName) }),
    result: Session,
  },
  'auth.resume': {
    data: Type.Object({ token: Type.String({ minLength: 1, maxLength: 256 }) }),
    result: Type.Object({ user: User, deviceId: Type.Integer(), expiresAt: Type.Integer() }),
  },
  'auth.refresh': { data: Empty, result: Type.Object({ token: Type.String(), expiresAt: Type.Integer() }) },
  'auth.logout': { data: Empty, result: Empty },
  'account.password': {
    data: Type.Object({ oldPassword: Password, newPassword: Password }),
    result: Type.Object({ revokedDevices: Type.Integer() }),
  },
  'device.list': { data: Empty, result: Type.Object({ devices: Type.Array(Device) }) },
  'device.revoke': { data: Type.Object({ deviceId: Type.Integer({ minimum: 1 }) }), result: Empty },
  'user.get': {
    data: Type.Object({ id: Type.Optional(UserId), username: Type.Optional(Type.String({ maxLength: 64 })) }),
    result: Type.Object({ user: User }),
  },
  'msg.send': {
    data: Type.Object({
      to: Type.Optional(UserId),
      conv: Type.Optional(ConvId),
      clientId: ClientMsgId,
      /** Default `text`. */
      kind: Type.Optional(Type.Union(CONTENT_KINDS.map((k) => Type.Literal(k)))),
      ...ContentFields,
      /** The sequence of the message this one answers, in the same conversation. */
      replyTo: Type.Optional(MsgSeq),
    }),
    result: EntryAck,
  },
  sync: {
    data: Type.Object({
      cursors: Type.Optional(Type.Record(Type.String({ maxLength: 40 }), Seq, { maxProperties: 10000 })),
      limit: Type.Optional(PageLimit),
    }),
    result: Type.Object({
      messages: Type.Array(Message),
      more: Type.Boolean(),
      /** Conversations named in `cursors` that the user is no longer a member of (left or removed from a group). */
      left: Type.Optional(Type.Array(ConvId)),
    }),
  },
  'msg.history': {
    data: Type.Object({ conv: ConvId, before: Type.Optional(Type.Integer({ minimum: 1 })), limit: Type.Optional(PageLimit) }),
    result: Type.Object({ messages: Type.Array(Message), more: Type.Boolean() }),
  },
  'conv.list': {
    data: Type.Object({ limit: Type.Optional(PageLimit), before: Type.Optional(Type.String({ maxLength: 80 })) }),
    result: Type.Object({
      conversations: Type.Array(Conversation),
      more: Type.Boolean(),
      /** Pass as `before` to get the next page; present when `more`. */
      next: Type.Optional(Type.String()),
    }),
  },
  'conv.read': {
    data: Type.Object({ conv: ConvId, seq: Seq }),
    result: Type.Object({ conv: ConvId, readSeq: Seq }),
  },
  ping: { data: Empty, result: Type.Object({ ts: Type.Integer() }) },
  ...GROUP_OPS,
  ...ACTION_OPS,
  ...CONTACT_OPS,
  ...SEARCH_OPS,
} as const;

/** A request type, e.g. `'msg.send'`. */
export type Op = keyof typeof OPS;
export const OP_NAMES = Object.keys(OPS) as Op[];
/** Ops a connection may send before it is authenticated. */
export const PUBLIC_OPS: readonly Op[] = ['hello', 'auth.register', 'auth.login', 'auth.resume', 'ping'];

export type RequestData<O extends Op> = Static<(typeof OPS)[O]['data']>;
export type ResultData<O extends Op> = Static<(typeof OPS)[O]['result']>;

/** Server-pushed events: `{ "ev": name, "data": ... }`. */
export const EVENTS = {
  /** A new message in one of the user's conversations (also to the sender's other devices). */
  msg: Message,
  /** The user's read cursor moved, on another of the user's devices. */
  read: Type.Object({ conv: ConvId, seq: Seq }),
  ...GROUP_EVENTS,
  ...ACTION_EVENTS,
  ...CONTACT_EVENTS,
} as const;

export type EventName = keyof typeof EVENTS;
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];
export type EventData<E extends EventName> = Static<(typeof EVENTS)[E]>;
