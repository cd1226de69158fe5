/** One connected device, and the node holding its connection(s). */
export interface OnlineDevice {
  device: number;
  node: string;
}

/**
 * The online registry: which user and device has a connection on which node, for the whole cluster.
 * Each node records its own connections as they open and close; any node may ask.
 *
 * Contract, for every implementation:
 * - A connection is counted from `connect` to `disconnect` (one call each per connection); a device may
 *   have several connections, on one node or several.
 * - `connect` resolves true when the user had no connection on any node before; `disconnect` resolves
 *   true when the user has none left anywhere. Calls of one node take effect in call order, so these
 *   answers are exact for the calls they follow. A `disconnect` without its `connect` changes nothing.
 * - **Node failure.** `dropNode(node)` removes every entry of that node and resolves with the users who
 *   thereby have no connection anywhere; the caller publishes `presence` offline for them. The memory
 *   network calls it when a node leaves (its Bus is closed); the Redis registry (online-redis.ts) keeps a
 *   liveness key with a TTL that each node renews, so a node that dies without leaving drops out within
 *   the TTL (plus a third) and whichever node finds the key gone drops it and announces its users.
 * - Reads (`onlineAmong`, `devicesOf`) see every change that resolved before them.
 */
export interface OnlineRegistry {
  /** Records one connection of `user`'s `device` on `node`; true when it is the user's first anywhere. */
  connect(node: string, user: number, device: number): Promise<boolean>;
  /** Records that one such connection closed; true when it was the user's last anywhere. */
  disconnect(node: string, user: number, device: number): Promise<boolean>;
  /** Which of `users` have a connection on some node. */
  onlineAmong(users: readonly number[]): Promise<Set<number>>;
  /** Where `user` is connected: each device with each node holding it (nothing when offline). */
  devicesOf(user: number): Promise<OnlineDevice[]>;
  /** Removes every entry of `node` (it left or died); resolves with the users now offline everywhere. */
  dropNode(node: string): Promise<number[]>;
}
