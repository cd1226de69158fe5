import type { Bus, ClusterMessage, LocalDelivery, MessageOf, SubscribedKind, Subscriber } from './bus.js';
import { TO_OTHERS } from './bus.js';
import { MemoryOnlineRegistry } from './online-memory.js';

/** A subscriber of any kind, as the bus keeps it. */
type AnySubscriber = (msg: Exclude<ClusterMessage, { t: 'deliver' }>, from: string) => void;

/** Where a handler's error goes (the server passes its logger). */
export type BusErrorReporter = (err: unknown, kind: string) => void;

/**
 * Several nodes in one process, each with its own Bus (`join`), sharing one online registry: what tests
 * build a cluster of servers in one process with. A message to another node travels as JSON text (as it
 * would over Redis) through that node's inbox, which is emptied on a later turn, in arrival order.
 * @example const net = new MemoryNetwork(); const [a, b] = [net.join(), net.join()];
 */
export class MemoryNetwork {
  readonly online = new MemoryOnlineRegistry();
  private readonly nodes = new Map<string, MemoryBus>();
  private seq = 0;

  constructor(readonly report: BusErrorReporter = () => undefined) {}

  /** A new node on this network. */
  join(): MemoryBus {
    return new MemoryBus(this);
  }

  /** Adds a node's bus; returns its id. (Called by the MemoryBus constructor.) */
  add(bus: MemoryBus): string {
    const id = `node-${++this.seq}`;
    this.nodes.set(id, bus);
    return id;
  }

  /** Nodes on the network now. */
  get size(): number {
    return this.nodes.size;
  }

  /** Sends `text` (a serialized message from `from`) to every other node. */
  broadcast(from: string, text: string): void {
    for (const [id, n] of this.nodes) if (id !== from) n.receive(from, text);
  }

  /**
   * Sends a `deliver` message to the other nodes that hold any of `users`; serialized once, if at all.
   * Without `except`: it names a connection of the publishing node.
   */
  route(from: string, users: readonly number[], payload: string): void {
    let text: string | undefined;
    for (const [id, n] of this.nodes) {
      if (id === from || !this.holdsAny(id, users)) continue;
      text ??= JSON.stringify({ t: 'deliver', users, payload });
      n.receive(from, text);
    }
  }

  private holdsAny(node: string, users: readonly number[]): boolean {
    for (const u of users) if (this.online.holds(node, u)) return true;
    return false;
  }

  /**
   * Takes a node off the network (its bus closed, or the node "died"): its registry entries go and the
   * remaining nodes get `presence` offline for each user left with no connection anywhere.
   */
  async leave(node: string): Promise<void> {
    if (!this.nodes.delete(node)) return;
    const gone = await this.online.dropNode(node);
    const lastSeen = Date.now();
    for (const user of gone) this.broadcast(node, JSON.stringify({ t: 'presence', user, online: false, lastSeen }));
  }
}

/**
 * One node's Bus on a MemoryNetwork; `new MemoryBus()` is a node alone on its own network (the default
 * of a single server process), where `deliver` is one synchronous call into the hub.
 */
export class MemoryBus implements Bus {
  readonly node: string;
  readonly online: MemoryOnlineRegistry;
  private local: LocalDelivery | undefined;
  private readonly subscribers = new Map<SubscribedKind, AnySubscriber[]>();
  private inbox: { from: string; text: string }[] = [];
  private scheduled = false;
  private closed = false;

  constructor(private readonly network: MemoryNetwork = new MemoryNetwork()) {
    this.node = network.add(this);
    this.online = network.online;
  }

  attach(local: LocalDelivery): void {
    this.local = local;
  }

  deliver(userIds: readonly number[], payload: string, exceptConn?: string): void {
    if (this.closed) return;
    this.local?.deliver(userIds, payload, exceptConn);
    if (this.network.size > 1) this.network.route(this.node, userIds, payload);
  }

  publish(msg: Exclude<ClusterMessage, { t: 'deliver' }>): void {
    if (this.closed) return;
    if (!TO_OTHERS.has(msg.t)) this.dispatch(msg, this.node);
    if (this.network.size > 1) this.network.broadcast(this.node, JSON.stringify(msg));
  }

  on<K extends SubscribedKind>(kind: K, handler: Subscriber<K>): void {
    let list = this.subscribers.get(kind);
    if (!list) this.subscribers.set(kind, (list = []));
    list.push(handler as unknown as AnySubscriber);
  }

  /** A message from another node, as text: handled on a later turn, after those that came before it. */
  receive(from: string, text: string): void {
    if (this.closed) return;
    this.inbox.push({ from, text });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    const batch = this.inbox;
    this.inbox = [];
    for (const { from, text } of batch) {
      if (this.closed) return;
      const msg = JSON.parse(text) as ClusterMessage;
      if (msg.t === 'deliver') this.deliverHere(msg);
      else this.dispatch(msg, from);
    }
  }

  private deliverHere(msg: MessageOf<'deliver'>): void {
    try {
      this.local?.deliver(msg.users, msg.payload, msg.except);
    } catch (err) {
      this.network.report(err, msg.t);
    }
  }

  private dispatch(msg: Exclude<ClusterMessage, { t: 'deliver' }>, from: string): void {
    for (const h of this.subscribers.get(msg.t) ?? []) {
      try {
        h(msg, from);
      } catch (err) {
        this.network.report(err, msg.t);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.local = undefined;
    this.inbox = [];
    await this.network.leave(this.node);
  }
}
