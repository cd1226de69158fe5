import type { CloseName } from '@warbler/protocol';
import type { Bus, LocalDelivery } from '../bus/bus.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Session, SharedFrame } from './session.js';

/** Who is told when users come and go (the presence service). */
export interface HubListener {
  /** The user's first connection in the cluster opened (told once the online registry recorded it). */
  userOnline(userId: number): void;
  /** The user's last connection in the cluster closed (told once the online registry recorded it). */
  userOffline(userId: number): void;
  /** A connection was removed (it closed); called before `userOffline`. */
  connectionClosed(s: Session): void;
}

/**
 * This process's authenticated connections, by user and by device: where the bus delivers. Each
 * connection is recorded in the cluster's online registry as it is added and removed.
 */
export class Hub implements LocalDelivery {
  private readonly byUser = new Map<number, Set<Session>>();
  private readonly byDevice = new Map<number, Set<Session>>();
  /** Set by the presence service when it starts. */
  listener: HubListener | undefined;

  constructor(
    private readonly metrics: Metrics,
    private readonly bus: Pick<Bus, 'node' | 'online'>,
    private readonly logger: Logger,
  ) {}

  add(s: Session): void {
    const id = s.me;
    addTo(this.byUser, id.user.id, s);
    addTo(this.byDevice, id.deviceId, s);
    this.bus.online.connect(this.bus.node, id.user.id, id.deviceId).then(
      (first) => {
        if (first) this.listener?.userOnline(id.user.id);
      },
      (err: unknown) => this.logger.warn('online registry: connect failed', { err }),
    );
  }

  remove(s: Session): void {
    const id = s.me;
    removeFrom(this.byUser, id.user.id, s);
    removeFrom(this.byDevice, id.deviceId, s);
    this.listener?.connectionClosed(s);
    this.bus.online.disconnect(this.bus.node, id.user.id, id.deviceId).then(
      (last) => {
        if (last) this.listener?.userOffline(id.user.id);
      },
      (err: unknown) => this.logger.warn('online registry: disconnect failed', { err }),
    );
  }

  /** True while the user has a connection on this node (the online registry knows the cluster). */
  isOnline(userId: number): boolean {
    return this.byUser.has(userId);
  }

  deliver(userIds: readonly number[], payload: string, exceptConn?: string): void {
    // One frame object for all recipients: its wire bytes are made by the first write only.
    const frame: SharedFrame = { text: payload };
    let n = 0;
    for (const u of userIds) {
      const set = this.byUser.get(u);
      if (!set) continue;
      for (const s of set) {
        if (s.connId === exceptConn) continue;
        s.push(frame);
        n++;
      }
    }
    if (n > 0) this.metrics.messagesOut.inc(n);
  }

  /** Closes every connection of these devices here (the bus's `kick` message), on the next turn. */
  kick(deviceIds: readonly number[], close: CloseName): void {
    // On the next turn, so a request that revoked its own device is answered before the close.
    setImmediate(() => {
      for (const d of deviceIds) for (const s of [...(this.byDevice.get(d) ?? [])]) s.end(close);
    });
  }

  /** Closes every connection of these users here (accounts disabled or deleted), on the next turn like `kick`. */
  kickUsers(userIds: readonly number[], close: CloseName): void {
    setImmediate(() => {
      for (const u of userIds) for (const s of [...(this.byUser.get(u) ?? [])]) s.end(close);
    });
  }

  /** Number of users with at least one connection here. */
  get users(): number {
    return this.byUser.size;
  }
}

/** Adds `s` under `k`; true when it is the first one there. */
function addTo(m: Map<number, Set<Session>>, k: number, s: Session): boolean {
  let set = m.get(k);
  if (!set) m.set(k, (set = new Set()));
  set.add(s);
  return set.size === 1;
}
/** Removes `s` from under `k`; true when it was the last one there. */
function removeFrom(m: Map<number, Set<Session>>, k: number, s: Session): boolean {
  const set = m.get(k);
  if (!set || !set.delete(s)) return false;
  if (set.size === 0) m.delete(k);
  return set.size === 0;
}
