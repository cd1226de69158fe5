import type { Bus, ClusterMessage, LocalDelivery, MessageOf, SubscribedKind, Subscriber } from './bus.js';
import { APPLY_TIMEOUT_MS, TO_OTHERS, TO_SELF } from './bus.js';
import { MemoryCounters } from './counters-memory.js';
import { Subscribers } from './subscribers.js';
import { MemoryOnlineRegistry } from './online-memory.js';

/** A `publishApplied` waiting for the other nodes' answers. */
interface Pending {
  waiting: Set<string>;
  done: (silent: number) => void;
  timer: NodeJS.Timeout;
}

/** Where a handler's error goes (the server passes its logger). */
export type BusErrorReporter = (err: unknown, kind: string) => void;

/**
 * Several nodes in one process, each with its own Bus (`join`), sharing one online registry and one set
 * of counters: what tests build a cluster of servers in one process with. A message to another node
 * travels as JSON text (as it would over Redis) through that node's inbox, which is emptied on a later
 * turn, in arrival order; with `latencyMs`, it (and an answer to `publishApplied`) reaches the inbox
 * that long after it was sent, in send order, as over a slower transport.
 * @example const net = new MemoryNetwork(); const [a, b] = [net.join(), net.join()];
 */
export class MemoryNetwork {
  readonly online = new MemoryOnlineRegistry();
  readonly counters = new MemoryCounters();
  private readonly nodes = new Map<string, MemoryBus>();
  private seq = 0;

  constructor(
    readonly report: BusErrorReporter = () => undefined,
    readonly latencyMs = 0,
  ) {}

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

  /** The ids of the nodes on the network but `node`. */
  others(node: string): string[] {
    return [...this.nodes.keys()].filter((id) => id !== node);
  }

  /** Sends `text` (a serialized message from `from`) to every other node; `ack`: answer `from` once applied. */
  broadcast(from: string, text: string, ack?: string): void {
    for (const [id, n] of this.nodes) if (id !== from) this.carry(() => n.receive(from, text, ack));
  }

  /** Tells node `to` that node `from` has applied its message `ack`. */
  answer(to: string, ack: string, from: string): void {
    this.carry(() => this.nodes.get(to)?.answered(ack, from));
  }

  /** Runs a hand-over now, or after the network's latency. */
  private carry(f: () => void): void {
    if (this.latencyMs > 0) setTimeout(f, this.latencyMs);
    else f();
  }

  /**
   * Sends a `deliver` message to the other nodes that hold any of `users`; serialized once, if at all.
   * Without `except`: it names a connection of the publishing node.
   */
  route(from: string, users: readonly number[], payload: string): void {
    let text: string | undefined;
    for (const [id, n] of this.nodes) {
      if (id === from || !this.holdsAny(id, users)) continue;
      const t = (text ??= JSON.stringify({ t: 'deliver', users, payload }));
      this.carry(() => n.receive(from, t));
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
    for (const n of this.nodes.values()) n.answered(undefined, node);
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
  readonly counters: MemoryCounters;
  private local: LocalDelivery | undefined;
  private readonly subscribers = new Subscribers((err, kind) => this.network.report(err, kind));
  private inbox: { from: string; text: string; ack: string | undefined }[] = [];
  /** `publishApplied` messages of this node waiting for answers, by id. */
  private readonly pending = new Map<string, Pending>();
  private applySeq = 0;
  private scheduled = false;
  private closed = false;

  constructor(private readonly network: MemoryNetwork = new MemoryNetwork()) {
    this.node = network.add(this);
    this.online = network.online;
    this.counters = network.counters;
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
    void this.dispatchHere(msg);
    if (this.network.size > 1 && !TO_SELF.has(msg.t)) this.network.broadcast(this.node, JSON.stringify(msg));
  }

  async publishApplied(msg: Exclude<ClusterMessage, { t: 'deliver' }>): Promise<number> {
    if (this.closed) return 0;
    const here = this.dispatchHere(msg);
    const others = TO_SELF.has(msg.t) ? [] : this.network.others(this.node);
    let silent = Promise.resolve(0);
    if (others.length > 0) {
      const id = `${this.node}/${++this.applySeq}`;
      silent = new Promise<number>((done) => {
        const timer = setTimeout(() => this.settle(id), APPLY_TIMEOUT_MS);
        this.pending.set(id, { waiting: new Set(others), done, timer });
      });
      this.network.broadcast(this.node, JSON.stringify(msg), id);
    }
    await here;
    return silent;
  }

  /** Node `from` has applied message `ack` (undefined: `from` left the network, so it answers none). */
  answered(ack: string | undefined, from: string): void {
    for (const [id, p] of this.pending)
      if ((ack === undefined || ack === id) && p.waiting.delete(from) && p.waiting.size === 0) this.settle(id);
  }

  /** Ends a `publishApplied` wait: with the number of nodes that did not answer (0 when this bus closed). */
  private settle(id: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (this.closed) return p.done(0);
    if (p.waiting.size > 0) this.network.report(new Error(`${p.waiting.size} node(s) did not apply a message in time`), 'publishApplied');
    p.done(p.waiting.size);
  }

  /** Runs this node's subscribers of a message it publishes, when its kind comes here. */
  private dispatchHere(msg: Exclude<ClusterMessage, { t: 'deliver' }>): Promise<unknown> {
    return TO_OTHERS.has(msg.t) ? Promise.resolve() : this.dispatch(msg, this.node);
  }

  on<K extends SubscribedKind>(kind: K, handler: Subscriber<K>): void {
    this.subscribers.add(kind, handler);
  }

  /**
   * A message from another node, as text: handled on a later turn, after those that came before it;
   * with `ack`, the sender is answered once it is applied here.
   */
  receive(from: string, text: string, ack?: string): void {
    if (this.closed) return;
    this.inbox.push({ from, text, ack });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    const batch = this.inbox;
    this.inbox = [];
    for (const { from, text, ack } of batch) {
      if (this.closed) return;
      const msg = JSON.parse(text) as ClusterMessage;
      if (msg.t === 'deliver') this.deliverHere(msg);
      else {
        const applied = this.dispatch(msg, from);
        if (ack !== undefined) void applied.then(() => this.network.answer(from, ack, this.node));
      }
    }
  }

  private deliverHere(msg: MessageOf<'deliver'>): void {
    try {
      this.local?.deliver(msg.users, msg.payload, msg.except);
    } catch (err) {
      this.network.report(err, msg.t);
    }
  }

  private dispatch(msg: Exclude<ClusterMessage, { t: 'deliver' }>, from: string): Promise<unknown> {
    return this.subscribers.dispatch(msg, from);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.local = undefined;
    this.inbox = [];
    for (const id of [...this.pending.keys()]) this.settle(id);
    await this.network.leave(this.node);
  }
}
