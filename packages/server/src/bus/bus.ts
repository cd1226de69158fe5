import type { ClusterKind, ClusterMessage, MessageOf } from './cluster-messages.js';
import type { OnlineRegistry } from './online.js';

export type { ClusterKind, ClusterMessage, MessageOf } from './cluster-messages.js';

/** What a node does with the `deliver` messages the bus brings it: the local hub implements this. */
export interface LocalDelivery {
  /** Writes `payload` (a serialized event frame) to every local connection of these users but `exceptConn`. */
  deliver(userIds: readonly number[], payload: string, exceptConn?: string): void;
  /**
   * Pushes to this node's connections may have been lost (the bus's link to the other nodes broke and is
   * back): every client connected now must catch up (the hub closes them with `resync`, 4005). Only a
   * bus that can lose its link calls it (not the memory network).
   */
  lost?(): void;
}

/** The kinds a service subscribes to with `Bus.on` (`deliver` lands on the attached LocalDelivery). */
export type SubscribedKind = Exclude<ClusterKind, 'deliver'>;
/** What a subscriber gets: the message and the id of the node that published it. */
export type Subscriber<K extends SubscribedKind> = (msg: MessageOf<K>, from: string) => void;

/**
 * The Bus seam: carries cluster messages (cluster-messages.ts) between the nodes (server processes) of
 * one deployment. Each node has its own Bus; the memory implementation is a network inside one process
 * (bus-memory.ts), the Redis one (bus-redis.ts) one pub/sub channel on a Redis server.
 *
 * Contract, for every implementation:
 * - **Routing by kind.** `deliver` goes to this node (its LocalDelivery keeps the users it holds) and to
 *   the other nodes that hold a connection of any of its users, as the online registry says; `kick` and
 *   `presence` go to every node, this node included; the invalidations
 *   (`group`, `members`, `contacts`, `privacy`) to every node but the publisher, which has applied the
 *   change itself before it publishes.
 * - **On the publishing node**, a message for it is handled synchronously, inside `deliver`/`publish`.
 *   On the others it arrives later, asynchronously.
 * - **At most once.** A message may be lost (a node restarting, a network cut); nothing is retried.
 *   Clients recover by sync (the conversation sequences); caches reload what they dropped from the store.
 *   A lost invalidation leaves a cache stale until that state changes again or the node restarts.
 *   A bus that knows it may have lost messages to or from a node (its link broke) tells that node's
 *   LocalDelivery `lost()` once the link is back, so its clients resync.
 * - **What a client sees** when two nodes push to it: each node's pushes in that node's order, but
 *   pushes of one conversation made on two nodes (two senders on two processes) may arrive out of sequence
 *   order; the client holds the later one and syncs the gap (docs/protocol.md, "Delivery across server
 *   processes"). With one node, pushes of a conversation arrive in sequence order.
 * - **Order per publisher.** Messages from one publisher reach each node in publish order, all kinds
 *   together (a `group` invalidation is never overtaken by a later `deliver` of the same publisher).
 *   Nothing orders messages of different publishers.
 * - **Plain data.** A message is a JSON-serializable object; another node gets a copy, never the
 *   publisher's arrays (on the publishing node, subscribers get the object itself and must neither keep
 *   nor change it). A `deliver` payload is the serialized event frame, made once by the publisher and written to
 *   every socket as it is.
 * - **Lifecycle.** Messages published before `attach` reach no LocalDelivery; after `close`, publishing is
 *   harmless and nothing more is handled. A handler that throws does not stop the others; the error
 *   goes to the bus's error reporter.
 * - **A node that leaves or dies**: see OnlineRegistry. Its connections' entries are removed and every
 *   remaining node gets `presence` offline for the users left with no connection anywhere.
 */
export interface Bus {
  /** This node's id, unique in the cluster for the node's life. */
  readonly node: string;
  /** Which user and device is connected on which node. */
  readonly online: OnlineRegistry;
  /** Registers this node's delivery (the hub); `deliver` messages that arrived before are dropped. */
  attach(local: LocalDelivery): void;
  /**
   * The hot path: the `deliver` message, as arguments, so that nothing is built for the users held on
   * this node. `exceptConn` is a connection of this node (the one that made the change; it gets its
   * answer instead); other nodes deliver to every connection of the users. `userIds` may be reused by the
   * caller afterwards.
   */
  deliver(userIds: readonly number[], payload: string, exceptConn?: string): void;
  /** Publishes any other message; where it goes follows from its kind (see above). */
  publish(msg: Exclude<ClusterMessage, { t: 'deliver' }>): void;
  /** Adds a subscriber for one kind (several per kind, called in the order they were added). */
  on<K extends SubscribedKind>(kind: K, handler: Subscriber<K>): void;
  /** Leaves the cluster: this node's registry entries go (see OnlineRegistry). Idempotent. */
  close(): Promise<void>;
}

/** Which kinds go to every node but the publisher (the invalidations of cached state). */
export const TO_OTHERS: ReadonlySet<ClusterKind> = new Set<ClusterKind>(['group', 'members', 'contacts', 'privacy']);
