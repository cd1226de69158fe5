import type { CloseName } from '@warbler/protocol';
import type { Bus, LocalDelivery } from '../bus/bus.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Connection, SharedFrame } from './connection.js';

/** Who is told when users come and go (the presence service). */
export interface HubListener {
  /** The user's first connection in the cluster opened (told once the online registry recorded it). */
  userOnline(userId: number): void;
  /** The user's last connection in the cluster closed (told once the online registry recorded it). */
  userOffline(userId: number): void;
  /** A connection was removed (it closed); called before `userOffline`. */
  connectionClosed(c: Connection): void;
}

/**
 * This process's authenticated connections, by id, by user and by device: where the bus delivers, and
 * how a service reaches the connection a request came on (`push`, by `RequestContext.connId`). Each
 * connection is recorded in the cluster's online registry as it is added and removed.
 */
export class Hub implements LocalDelivery {
  private readonly byId = new Map<string, Connection>();
  private readonly byUser = new Map<number, Set<Connection>>();
  private readonly byDevice = new Map<number, Set<Connection>>();
  private readonly listeners: HubListener[] = [];

  constructor(
    private readonly metrics: Metrics,
    private readonly bus: Pick<Bus, 'node' | 'online'>,
    private readonly logger: Logger,
  ) {}

  /** Registers a listener; it is told of every change from now on, in registration order. */
  listen(l: HubListener): void {
    this.listeners.push(l);
  }

  add(c: Connection): void {
    this.byId.set(c.connId, c);
    addTo(this.byUser, c.userId, c);
    addTo(this.byDevice, c.deviceId, c);
    this.bus.online.connect(this.bus.node, c.userId, c.deviceId).then(
      (first) => {
        if (first) for (const l of this.listeners) l.userOnline(c.userId);
      },
      (err: unknown) => this.logger.warn('online registry: connect failed', { err }),
    );
  }

  remove(c: Connection): void {
    if (!this.byId.delete(c.connId)) return;
    removeFrom(this.byUser, c.userId, c);
    removeFrom(this.byDevice, c.deviceId, c);
    for (const l of this.listeners) l.connectionClosed(c);
    this.bus.online.disconnect(this.bus.node, c.userId, c.deviceId).then(
      (last) => {
        if (last) for (const l of this.listeners) l.userOffline(c.userId);
      },
      (err: unknown) => this.logger.warn('online registry: disconnect failed', { err }),
    );
  }

  /** True while connection `connId` is open and authenticated here. */
  has(connId: string | undefined): boolean {
    return connId !== undefined && this.byId.has(connId);
  }

  /** Pushes a frame to one connection; nothing when it is gone. */
  push(connId: string, frame: SharedFrame): void {
    this.byId.get(connId)?.push(frame);
  }

  deliver(userIds: readonly number[], payload: string, exceptConn?: string): void {
    // One frame object for all recipients: its wire bytes are made by the first write only.
    const frame: SharedFrame = { text: payload };
    let n = 0;
    for (const u of userIds) {
      const set = this.byUser.get(u);
      if (!set) continue;
      for (const c of set) {
        if (c.connId === exceptConn) continue;
        c.push(frame);
        n++;
      }
    }
    if (n > 0) this.metrics.messagesOut.inc(n);
  }

  /**
   * Closes every connection of these devices here (the bus's `kick` message), on the next turn; resolves
   * once they are closed.
   */
  kick(deviceIds: readonly number[], close: CloseName): Promise<void> {
    // On the next turn, so a request that revoked its own device is answered before the close.
    return new Promise((done) =>
      setImmediate(() => {
        for (const d of deviceIds) for (const c of [...(this.byDevice.get(d) ?? [])]) c.end(close);
        done();
      }),
    );
  }

  /** Closes every connection of these users here (accounts disabled or deleted), on the next turn like `kick`. */
  kickUsers(userIds: readonly number[], close: CloseName): Promise<void> {
    return new Promise((done) =>
      setImmediate(() => {
        for (const u of userIds) for (const c of [...(this.byUser.get(u) ?? [])]) c.end(close);
        done();
      }),
    );
  }

  /** Pushes may have been lost (the bus's link broke and is back): every client here reconnects and syncs. */
  lost(): void {
    this.logger.warn('bus: pushes may have been lost; closing every connection here with resync (4005)', { connections: this.byId.size });
    const all = [...this.byId.values()];
    setImmediate(() => {
      for (const c of all) c.end('resync');
    });
  }

  /** Number of users with at least one connection here. */
  get users(): number {
    return this.byUser.size;
  }
}

/** Adds `c` under `k`; true when it is the first one there. */
function addTo(m: Map<number, Set<Connection>>, k: number, c: Connection): boolean {
  let set = m.get(k);
  if (!set) m.set(k, (set = new Set()));
  set.add(c);
  return set.size === 1;
}
/** Removes `c` from under `k`; true when it was the last one there. */
function removeFrom(m: Map<number, Set<Connection>>, k: number, c: Connection): boolean {
  const set = m.get(k);
  if (!set || !set.delete(c)) return false;
  if (set.size === 0) m.delete(k);
  return set.size === 0;
}
