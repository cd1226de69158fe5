import { Type, type Static } from '@sinclair/typebox';
import { LIMITS } from './limits.js';

/** A user id: a positive integer. */
export const UserId = Type.Integer({ minimum: 1 });
/** A conversation id: `d:<low user id>:<high user id>` for one-to-one. */
export const ConvId = Type.String({ pattern: '^d:[1-9][0-9]{0,15}:[1-9][0-9]{0,15}$', maxLength: 40 });
/** A per-conversation sequence number; 0 means "before the first message". */
export const Seq = Type.Integer({ minimum: 0 });
export const ClientMsgId = Type.String({ minLength: 1, maxLength: 64 });
export const PageLimit = Type.Integer({ minimum: 1, maximum: LIMITS.maxPage });
const Password = Type.String({ minLength: 1, maxLength: 1024 });
const DeviceName = Type.String({ maxLength: 64 });

export const User = Type.Object({
  id: UserId,
  username: Type.String(),
  displayName: Type.String(),
});
export type User = Static<typeof User>;

export const Message = Type.Object({
  /** Server id, unique across the server. */
  id: Type.Integer(),
  conv: ConvId,
  seq: Type.Integer({ minimum: 1 }),
  from: UserId,
  clientId: Type.String(),
  /** Server time of storing, milliseconds since the epoch. */
  ts: Type.Integer(),
  kind: Type.Literal('text'),
  text: Type.String(),
});
export type Message = Static<typeof Message>;

export const Conversation = Type.Object({
  conv: ConvId,
  kind: Type.Literal('direct'),
  /** The other participant of a one-to-one conversation. */
  peer: User,
  lastSeq: Seq,
  readSeq: Seq,
  unread: Type.Integer({ minimum: 0 }),
  lastMessage: Type.Union([Message, Type.Null()]),
  updatedAt: Type.Integer(),
});
export type Conversation = Static<typeof Conversation>;

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
      text: Type.String({ minLength: 1 }),
    }),
    result: Type.Object({
      id: Type.Integer(),
      conv: ConvId,
      seq: Type.Integer(),
      ts: Type.Integer(),
      clientId: Type.String(),
      duplicate: Type.Boolean(),
    }),
  },
  sync: {
    data: Type.Object({
      cursors: Type.Optional(Type.Record(Type.String({ maxLength: 40 }), Seq, { maxProperties: 10000 })),
      limit: Type.Optional(PageLimit),
    }),
    result: Type.Object({
      messages: Type.Array(Message),
      more: Type.Boolean(),
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
} as const;

export type EventName = keyof typeof EVENTS;
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];
export type EventData<E extends EventName> = Static<(typeof EVENTS)[E]>;
