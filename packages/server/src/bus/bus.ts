import type { CloseName } from '@warbler/protocol';

/** What a node does with what the bus brings it: the local hub implements this. */
export interface LocalDelivery {
  /** Writes `payload` (a serialized event frame) to every local connection of these users but `exceptConn`. */
  deliver(userIds: readonly number[], payload: string, exceptConn?: string): void;
  /** Closes every local connection of these devices with the given close code. */
  kick(deviceIds: readonly number[], close: CloseName): void;
}

/**
 * The Bus seam: carries events to whichever process holds the recipients' connections.
 * Guarantees: at-most-once delivery (a dropped push is recovered by sync, never by the bus);
 * events from one publisher reach each connection in publish order. Payloads are serialized
 * once by the publisher and written as they are.
 */
export interface Bus {
  /** Registers this node's delivery; events published before `attach` are dropped. */
  attach(local: LocalDelivery): void;
  /** Delivers `payload` to every connection of `userIds`, on every node, except `exceptConn`. */
  publish(userIds: readonly number[], payload: string, exceptConn?: string): void;
  /** Closes every connection of `deviceIds`, on every node. */
  kick(deviceIds: readonly number[], close: CloseName): void;
  close(): Promise<void>;
}
