import type { CloseName } from '@warbler/protocol';
import type { LocalDelivery } from '../bus/bus.js';
import type { Metrics } from '../metrics.js';
import type { Session, SharedFrame } from './session.js';

/** This process's authenticated connections, by user and by device: where the bus delivers. */
export class Hub implements LocalDelivery {
  private readonly byUser = new Map<number, Set<Session>>();
  private readonly byDevice = new Map<number, Set<Session>>();

  constructor(private readonly metrics: Metrics) {}

  add(s: Session): void {
    const id = s.me;
    addTo(this.byUser, id.user.id, s);
    addTo(this.byDevice, id.deviceId, s);
  }

  remove(s: Session): void {
    const id = s.me;
    removeFrom(this.byUser, id.user.id, s);
    removeFrom(this.byDevice, id.deviceId, s);
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

  kick(deviceIds: readonly number[], close: CloseName): void {
    // On the next turn, so a request that revoked its own device is answered before the close.
    setImmediate(() => {
      for (const d of deviceIds) for (const s of [...(this.byDevice.get(d) ?? [])]) s.end(close);
    });
  }

  /** Number of users with at least one connection here. */
  get users(): number {
    return this.byUser.size;
  }
}

function addTo(m: Map<number, Set<Session>>, k: number, s: Session): void {
  let set = m.get(k);
  if (!set) m.set(k, (set = new Set()));
  set.add(s);
}
function removeFrom(m: Map<number, Set<Session>>, k: number, s: Session): void {
  const set = m.get(k);
  if (!set) return;
  set.delete(s);
  if (set.size === 0) m.delete(k);
}
