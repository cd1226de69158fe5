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
/**
 * What a subscriber gets: the message and the id of the node that published it. It may return a
 * promise: a message published with `publishApplied` counts as applied on a node once the promises of
 * its subscribers there have settled.
 */
export type Subscriber<K extends SubscribedKind> = (msg: MessageOf<K>, from: string) => unknown;

/**
 * The Bus seam: carries cluster messages (cluster-messages.ts) between the nodes (server processes) of
 * one deployment. Each node has its own Bus; the memory implementation is a network inside one process
 * (bus-memory.ts), the Redis one (bus-redis.ts) one pub/sub channel on a Redis server.
 *
 * Contract, for every implementation:
 * - **Routing by kind.** `deliver` goes to this node (its LocalDelivery keeps the users it holds) and to
 *   the other nodes that hold a connection of any of its users, as the online registry says; `kick` and
 *   `presence` go to every node, this node included; the invalidations
 *   (`group`, `members`, `contacts`, `privacy`, `accounts`, `left`) to every node but the publisher,
 *   which has applied the change itself before it publishes; `reset` to the publishing node only.
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
 * - **Applied before the ack** (`publishApplied`): the publisher learns when every node a message goes
 *   to has handled it; a service awaits that before it answers the request that made the change, so a
 *   client that got the answer finds the change in force on every node. A node that has not answered
 *   within APPLY_TIMEOUT_MS is taken as dead or cut off: the promise resolves anyway, with the count of
 *   such nodes. A node cut off from the bus that comes back must raise `reset` on itself (it may have
 *   missed messages): its services drop every cached state and reload it from the store.
 * - **Shared counters** (`counters`): one set of counters for the whole cluster (see SharedCounters).
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
  /**
   * Publishes like `publish`, and resolves once every node the message goes to (this one included,
   * when its kind goes here) has applied it: its subscribers ran there and the promises they returned
   * settled (a rejected one counts as applied; its error goes to the error reporter). Resolves with the
   * number of nodes that did not answer within APPLY_TIMEOUT_MS (0 when all did, and at once when no
   * other node is in the cluster). Never rejects; after `close` it resolves 0 and sends nothing. Order
   * per publisher holds with `publish` and `deliver` messages alike.
   */
  publishApplied(msg: Exclude<ClusterMessage, { t: 'deliver' }>): Promise<number>;
  /** Counters shared by every node of the cluster (rate limits, the login throttle). */
  readonly counters: SharedCounters;
  /** Adds a subscriber for one kind (several per kind, called in the order they were added). */
  on<K extends SubscribedKind>(kind: K, handler: Subscriber<K>): void;
  /** Leaves the cluster: this node's registry entries go (see OnlineRegistry). Idempotent. */
  close(): Promise<void>;
}

/** Which kinds go to every node but the publisher (the invalidations of cached state). */
export const TO_OTHERS: ReadonlySet<ClusterKind> = new Set<ClusterKind>(['group', 'members', 'contacts', 'privacy', 'accounts', 'left']);
/** Which kinds go to the publishing node only (a bus raising `reset` on itself). */
export const TO_SELF: ReadonlySet<ClusterKind> = new Set<ClusterKind>(['reset']);

/** How long `publishApplied` waits for the other nodes' answers before it takes the silent ones as gone. */
export const APPLY_TIMEOUT_MS = 2000;

/** A counter's state after a `hit`. */
export interface CounterState {
  /** The counter's total in its current window (0 when it has none). */
  count: number;
  /** Milliseconds until the window ends and the counter is gone (0 when it has none). */
  resetMs: number;
}

/**
 * Fixed-window counters shared by every node of a cluster: what a limit that must hold across
 * processes counts with (the login throttle, per-IP login limits, lookup budgets). Memory: one set per
 * MemoryNetwork (counters-memory.ts). Redis: one key per counter under the deployment's prefix, e.g.
 * `MULTI; INCRBY k n; PEXPIRE k windowMs NX; PTTL k; EXEC`.
 *
 * Contract, for every implementation:
 * - `hit(key, windowMs, n)` adds `n` (an integer >= 0) to counter `key` and resolves with its state
 *   after the addition. A counter that does not exist starts at 0 with the first hit that adds (n > 0),
 *   and is gone `windowMs` after that hit: later hits neither extend nor shorten its window (their
 *   `windowMs` is ignored), and the next hit after it is gone starts a new window at 0.
 * - `n = 0` reads: a counter that does not exist reads `{ count: 0, resetMs: 0 }` and is not created.
 * - **Atomic and shared**: hits from every node of the cluster add to one total, and no two hits that
 *   add see the same total (each sees every hit that resolved before it started).
 * - `reset(key)` removes the counter (idempotent); a hit after it starts a new window.
 * - Keys are strings of any characters; counters of different keys are independent.
 * - After the bus's `close`, calls still work on the memory network; on Redis they may reject.
 */
export interface SharedCounters {
  hit(key: string, windowMs: number, n?: number): Promise<CounterState>;
  reset(key: string): Promise<void>;
}
