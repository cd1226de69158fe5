import type { CloseName } from '@warbler/protocol';

/**
 * An event frame pushed to many connections: serialized once by the publisher; the transport that
 * writes it first keeps its wire bytes here, and every other connection gets the same bytes.
 */
export interface SharedFrame {
  readonly text: string;
  wire?: Buffer;
}

/**
 * What the rest of the server may know of an authenticated client connection: whose it is, and how to
 * push to it or close it. The session implements it; services see connections only through the hub,
 * by id (a request names its connection by `RequestContext.connId`).
 */
export interface Connection {
  /** Unique in this process, never reused (`c<n>`). */
  readonly connId: string;
  readonly userId: number;
  readonly deviceId: number;
  /** Writes an already-serialized event frame (the same object for every recipient); nothing once closed. */
  push(frame: SharedFrame): void;
  /** Closes the connection with a close code from the table; the hub is told (`Hub.remove`). Idempotent. */
  end(close: CloseName): void;
}
