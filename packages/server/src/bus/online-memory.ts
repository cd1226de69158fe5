import type { OnlineDevice, OnlineRegistry } from './online.js';

/** One device's connections on one node. */
interface Entry {
  readonly node: string;
  readonly device: number;
  connections: number;
}

/**
 * The online registry of one process: shared by every node of a memory network. Its answers are
 * synchronous underneath (`holds` is what the memory network routes `deliver` by). Per online user it
 * keeps one small array (users have few devices), not a map, since it counts in every connection's memory.
 */
export class MemoryOnlineRegistry implements OnlineRegistry {
  /** user → an entry per (node, device) with a connection. */
  private readonly users = new Map<number, Entry[]>();
  /** node → the users with a connection there. */
  private readonly byNode = new Map<string, Set<number>>();

  async connect(node: string, user: number, device: number): Promise<boolean> {
    let entries = this.users.get(user);
    const first = !entries;
    if (!entries) this.users.set(user, (entries = []));
    const e = entries.find((x) => x.node === node && x.device === device);
    if (e) e.connections++;
    else entries.push({ node, device, connections: 1 });
    let held = this.byNode.get(node);
    if (!held) this.byNode.set(node, (held = new Set()));
    held.add(user);
    return first;
  }

  async disconnect(node: string, user: number, device: number): Promise<boolean> {
    const entries = this.users.get(user);
    const i = entries ? entries.findIndex((x) => x.node === node && x.device === device) : -1;
    if (!entries || i < 0) return false;
    if (--entries[i]!.connections > 0) return false;
    entries.splice(i, 1);
    if (!entries.some((x) => x.node === node)) this.byNode.get(node)?.delete(user);
    if (entries.length > 0) return false;
    this.users.delete(user);
    return true;
  }

  async onlineAmong(users: readonly number[]): Promise<Set<number>> {
    return new Set(users.filter((u) => this.users.has(u)));
  }

  async devicesOf(user: number): Promise<OnlineDevice[]> {
    return (this.users.get(user) ?? []).map((e) => ({ device: e.device, node: e.node }));
  }

  async dropNode(node: string): Promise<number[]> {
    const gone: number[] = [];
    for (const user of this.byNode.get(node) ?? []) {
      const kept = (this.users.get(user) ?? []).filter((e) => e.node !== node);
      if (kept.length > 0) this.users.set(user, kept);
      else {
        this.users.delete(user);
        gone.push(user);
      }
    }
    this.byNode.delete(node);
    return gone;
  }

  /** Whether `user` has a connection on `node`, synchronously (the memory network's routing). */
  holds(node: string, user: number): boolean {
    return this.users.get(user)?.some((e) => e.node === node) ?? false;
  }
}
