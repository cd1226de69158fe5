import type { ErrorBody, ErrorCode, EventData, EventName, Message } from '@warbler/protocol';
import type { Ack, ReliableOp } from './outbox.js';
import type { ClientStorage } from './storage.js';

/**
 * An event handler slot the client assigns. Declared through a method so that its parameter is
 * compared both ways: the DOM's `(ev: MessageEvent) => any` and `ws`'s `(ev: WebSocket.MessageEvent) => void`
 * take narrower events than the client needs, and a plain function type would refuse them (TS2322).
 */
type Handler<E> = { handle(ev: E): void }['handle'];

/** The part of the WebSocket API the client uses: the browser's WebSocket and `ws` both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/**
 * The client's own error codes (never sent by the server): `disconnected` (no connection, or it closed
 * before the answer), `frame_too_large` (over the server's frame limit), `timeout` (no answer within
 * `requestTimeoutMs`; a late answer is ignored).
 */
export type LocalErrorCode = 'disconnected' | 'frame_too_large' | 'timeout';

/**
 * Where the connection stands, for the app to show: `connecting` (opening or authenticating),
 * `online` (authenticated), `offline` (dropped, or the browser has no network: it reconnects by itself),
 * `closed` (closed, logged out or not logged in: it does not reconnect).
 */
export type ConnectionState = 'connecting' | 'online' | 'offline' | 'closed';

/** A request the server answered with an error; `code` is from the protocol's registry. */
export class WarblerRequestError extends Error {
  override name = 'WarblerRequestError';
  /** A registry code, or one of the client's own (LocalErrorCode): `disconnected`, `frame_too_large`, `timeout`. */
  readonly code: ErrorCode | LocalErrorCode;
  readonly status: number;
  constructor(body: ErrorBody | { code: LocalErrorCode; status: number; message: string }) {
    super(`${body.code}: ${body.message}`);
    this.code = body.code;
    this.status = body.status;
  }
}

export interface ClientOptions {
  /** ws:// or wss:// URL of the server's WebSocket endpoint, e.g. `ws://localhost:8080/ws`. */
  url: string;
  /** WebSocket implementation; defaults to `globalThis.WebSocket`. In Node 20 pass `ws`'s. */
  WebSocket?: WebSocketConstructor;
  /** Reconnect after a drop with a reconnect close code (default true). */
  reconnect?: boolean;
  /** First and largest reconnect delay, ms (defaults 100 and 5000). */
  backoffMs?: [number, number];
  /** Last known sequence per conversation, e.g. restored from storage; sync starts after these. */
  cursors?: Record<string, number>;
  /** Sync automatically after each (re)authentication (default true). */
  autoSync?: boolean;
  /**
   * Tell the server what reached this device (`conv.delivered`), so senders see delivery receipts
   * (default true): per conversation, at most once per `deliveryReceiptMs` (default 1000), only when the
   * cursor moved past what was already reported or read.
   */
  deliveryReceipts?: boolean;
  deliveryReceiptMs?: number;
  /** Name of this device, shown in device lists. */
  device?: string;
  /**
   * A request not answered within this many ms rejects with code `timeout` (default 15000; 0: wait
   * for ever). A reliable send that times out stays queued and is resent with the same client id.
   */
  requestTimeoutMs?: number;
  /**
   * Where the session, the outbox, the cursors and the cache of conversations and recent messages are
   * kept (default: a new MemoryStorage, gone with the process). `IdbStorage` from `@warbler/sdk/idb`
   * keeps them in a browser's IndexedDB, so a send survives a page reload.
   */
  storage?: ClientStorage;
  /** Recent entries cached per conversation (default 50; 0: none). */
  cacheMessages?: number;
  /** Rotate the token (`auth.refresh`) before it expires, while connected (default true). */
  autoRefresh?: boolean;
  /**
   * Refresh when the token has less than this many ms left (default: half its lifetime, as seen at
   * login or the last refresh; one day while that is unknown).
   */
  refreshBeforeMs?: number;
}

/** Every server event but `msg` (which comes through `message`), with its data: `read`, `receipt`, `presence`, `typing`, … */
export type ServerEvents = { [E in Exclude<EventName, 'msg'>]: EventData<E> };

export interface ClientEvents extends ServerEvents {
  /**
   * Every entry of the user's conversations, exactly once, in sequence order per conversation: content
   * messages, actions (`edit`, `recall`, `reaction`), `group` events, and `account` events from the
   * user's own `u:` log.
   */
  message: Message;
  /** Conversations the user is no longer a member of (left, removed, dissolved), as sync reports them. */
  left: string;
  /** Connected and authenticated again after a drop. */
  reconnected: void;
  /** The connection closed; `reconnect` says whether the client will try again. */
  disconnected: { code: number; reason: string; reconnect: boolean };
  /** The saved token no longer works (revoked, expired, logged out elsewhere): log in again. */
  authLost: { code: number | ErrorCode };
  /** The connection's state changed (see ConnectionState). */
  state: ConnectionState;
  /** A new device token (login, register, refresh); it is saved in `storage` already. */
  token: { token: string; expiresAt: number };
  /** A reliable op was acknowledged (also one restored from storage, whose promise is gone). */
  sent: { clientId: string; op: ReliableOp; ack: Ack };
  /** The server refused a reliable op for good: it is dropped from the outbox. */
  sendFailed: { clientId: string; op: ReliableOp; error: WarblerRequestError };
}
