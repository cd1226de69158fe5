import type { OnlineDevice, OnlineRegistry } from './online.js';

/**
 * The online registry of one process: maps shared by every node of a memory network. Its answers are
 * synchronous underneath (`nodesOf` is what the memory network routes `deliver` by).
 */
export class MemoryOnlineRegistry implements OnlineRegistry {
  /** user → node → device → open connections. */
  private readonly users = new Map<number, Map<string, Map<number, number>>>();
  /** node → the users with a connection there. */
  private readonly byNode = new Map<string, Set<number>>();

  async connect(node: string, user: number, device: number): Promise<boolean> {
    let nodes = this.users.get(user);
    const first = !nodes;
    if (!nodes) this.users.set(user, (nodes = new Map()));
    let devices = nodes.get(node);
    if (!devices) nodes.set(node, (devices = new Map()));
    devices.set(device, (devices.get(device) ?? 0) + 1);
    let held = this.byNode.get(node);
    if (!held) this.byNode.set(node, (held = new Set()));
    held.add(user);
    return first;
  }

  async disconnect(node: string, user: number, device: number): Promise<boolean> {
    const nodes = this.users.get(user);
    const devices = nodes?.get(node);
    const n = devices?.get(device);
    if (!nodes || !devices || n === undefined) return false;
    if (n > 1) devices.set(device, n - 1);
    else devices.delete(device);
    if (devices.size > 0) return false;
    nodes.delete(node);
    this.byNode.get(node)?.delete(user);
    if (nodes.size > 0) return false;
    this.users.delete(user);
    return true;
  }

  async onlineAmong(users: readonly number[]): Promise<Set<number>> {
    return new Set(users.filter((u) => this.users.has(u)));
  }

  async devicesOf(user: number): Promise<OnlineDevice[]> {
    const out: OnlineDevice[] = [];
    for (const [node, devices] of this.users.get(user) ?? []) for (const device of devices.keys()) out.push({ device, node });
    return out;
  }

  async dropNode(node: string): Promise<number[]> {
    const gone: number[] = [];
    for (const user of this.byNode.get(node) ?? []) {
      const nodes = this.users.get(user);
      nodes?.delete(node);
      if (nodes?.size === 0) {
        this.users.delete(user);
        gone.push(user);
      }
    }
    this.byNode.delete(node);
    return gone;
  }

  /** Whether `user` has a connection on `node`, synchronously (the memory network's routing). */
  holds(node: string, user: number): boolean {
    return this.users.get(user)?.has(node) ?? false;
  }
}
