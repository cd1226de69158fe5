import type { Redis } from 'ioredis';
import type { BusErrorReporter } from './bus-memory.js';
import type { Bus, ClusterMessage, LocalDelivery, SubscribedKind, Subscriber } from './bus.js';
import { APPLY_TIMEOUT_MS, TO_OTHERS, TO_SELF } from './bus.js';
import { RedisCounters } from './counters-redis.js';
import { RedisOnlineRegistry } from './online-redis.js';
import { Subscribers } from './subscribers.js';

/** A `publishApplied` of this node waiting for the other nodes' answers. */
interface Pending {
  /** The nodes still to answer; undefined until the registered nodes are known (answers are kept meanwhile). */
  waiting: Set<string> | undefined;
  answered: Set<string>;
  done: (silent: number) => void;
  timer: NodeJS.Timeout;
}

/** What a RedisBus needs besides its two connections. */
export interface RedisBusOptions {
  /** This node's id: unique in the deployment for the node's life, without `|` or a line break. */
  node: string;
  /** Prefix of every key and of the channel (one per deployment). */
  prefix: string;
  /** The registry's liveness TTL, ms (online-redis.ts). */
  ttlMs: number;
  /** Where a handler's error goes. */
  report: BusErrorReporter;
  /** Told when the link to Redis is lost and when it is back (the server logs it). */
  onLink?: (up: boolean) => void;
}

/**
 * The Bus on one Redis: every message of every node goes through one pub/sub channel, `<prefix>bus`,
 * published on the node's command connection (`pub`, also the registry's) and read on its subscriber
 * connection (`sub`). One channel and one publishing connection per node give the contract's order per
 * publisher, all kinds together.
 *
 * **Routing `deliver` without a round trip.** A `deliver` is one PUBLISH, not awaited (ioredis pipelines
 * the commands of one turn into one write); every node gets it and hands it to its hub only when it holds
 * one of the users (its own registry entries, kept in memory: `RedisOnlineRegistry.holds`). So the hot path
 * reads nothing from Redis and no cache of other nodes' users can be stale; the price is that each node
 * reads every `deliver` of the deployment (a header line), which suits the handful of processes and
 * machines this bus is for.
 *
 * **The wire** (the payload is never escaped again): `d<node>\n<user,user,…>\n<payload>` for
 * `deliver`, `m<node>\n<JSON>` for the other messages, `a<node>\n<id>\n<JSON>` for one published with
 * `publishApplied`, answered by each node that applied it with `k<node>\n<publisher>\n<id>`, and
 * `l<node>` for "this node lost publishes". `publishApplied` waits for the nodes registered in the
 * online registry (`<prefix>nodes`), read on the same connection right after the PUBLISH.
 *
 * **Outage.** Both connections fail fast while Redis is unreachable (no offline queue, nothing resent):
 * local deliveries go on, publishes are dropped and counted, the registry records changes in memory.
 * When the link is back: the registry is rebuilt from memory; a node whose subscription broke tells its
 * hub `lost()` (its clients may have missed pushes); a node that dropped publishes publishes `l`, and
 * every other node's hub is told `lost()` (their clients may have missed its pushes). Either way the
 * node that may have missed messages raises `reset` on itself, so its services reload what they cache.
 */
export class RedisBus implements Bus {
  readonly online: RedisOnlineRegistry;
  readonly counters: RedisCounters;
  readonly node: string;
  private readonly channel: string;
  private local: LocalDelivery | undefined;
  private readonly subscribers = new Subscribers((err, kind) => this.opts.report(err, kind));
  private closed = false;
  /** Publishes that failed since the link was last up (a PUBLISH in flight when it broke counts too). */
  private dropped = 0;
  private subLost = false;
  private pubLost = false;
  private readonly pending = new Map<string, Pending>();
  private applySeq = 0;

  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly opts: RedisBusOptions,
  ) {
    this.node = opts.node;
    this.channel = `${opts.prefix}bus`;
    this.online = new RedisOnlineRegistry(pub, opts.prefix, opts.node, opts.ttlMs);
    this.counters = new RedisCounters(pub, opts.prefix);
  }

  /** Subscribes, registers the node and starts watching the link. */
  async start(): Promise<void> {
    this.sub.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.receive(text);
    });
    await this.sub.subscribe(this.channel);
    const report = (err: unknown) => this.opts.report(err, 'registry');
    await this.online.start(
      (users) => this.announceOffline(users),
      () => this.local?.lost?.(),
      report,
    );
    this.pub.on('close', () => this.linkDown('pub'));
    this.sub.on('close', () => this.linkDown('sub'));
    this.pub.on('ready', () => void this.pubBack().catch(report));
    this.sub.on('ready', () => void this.subBack().catch(report));
  }

  attach(local: LocalDelivery): void {
    this.local = local;
  }

  deliver(userIds: readonly number[], payload: string, exceptConn?: string): void {
    if (this.closed) return;
    this.local?.deliver(userIds, payload, exceptConn);
    this.send(`d${this.node}\n${userIds.join(',')}\n${payload}`);
  }

  publish(msg: Exclude<ClusterMessage, { t: 'deliver' }>): void {
    if (this.closed) return;
    void this.dispatchHere(msg);
    if (!TO_SELF.has(msg.t)) this.send(`m${this.node}\n${JSON.stringify(msg)}`);
  }

  async publishApplied(msg: Exclude<ClusterMessage, { t: 'deliver' }>): Promise<number> {
    if (this.closed) return 0;
    const here = this.dispatchHere(msg);
    if (TO_SELF.has(msg.t)) {
      await here;
      return 0;
    }
    const id = String(++this.applySeq);
    const silent = new Promise<number>((done) => {
      const timer = setTimeout(() => this.settle(id), APPLY_TIMEOUT_MS);
      this.pending.set(id, { waiting: undefined, answered: new Set(), done, timer });
    });
    this.send(`a${this.node}\n${id}\n${JSON.stringify(msg)}`);
    // Queued after the PUBLISH on the same connection: the nodes registered when it went out.
    this.pub.smembers(this.online.nodesKey).then(
      (nodes) => this.expect(id, nodes),
      () => this.settle(id), // Redis unreachable: the message was dropped too (see Outage); nobody to wait for
    );
    await here;
    return silent;
  }

  on<K extends SubscribedKind>(kind: K, handler: Subscriber<K>): void {
    this.subscribers.add(kind, handler);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.local = undefined;
    for (const id of [...this.pending.keys()]) this.settle(id);
    this.online.stop();
    try {
      const gone = await this.online.dropNode(this.node);
      const lastSeen = Date.now();
      const presence = (user: number) => `m${this.node}\n${JSON.stringify({ t: 'presence', user, online: false, lastSeen })}`;
      await Promise.all(gone.map((user) => this.pub.publish(this.channel, presence(user))));
    } catch {
      // Redis unreachable: the others sweep this node once its liveness key expires.
    }
    this.sub.disconnect();
    await this.pub.quit().catch(() => this.pub.disconnect());
  }

  /** Publishes one wire message, not awaited; a failure is counted (see the class comment). */
  private send(text: string): void {
    this.pub.publish(this.channel, text).catch(() => {
      if (!this.closed) this.dropped++;
    });
  }

  private receive(text: string): void {
    if (this.closed) return;
    const nl = text.indexOf('\n');
    const from = text.slice(1, nl < 0 ? undefined : nl);
    if (from === this.node) return; // handled when published
    try {
      switch (text[0]) {
        case 'd': {
          const nl2 = text.indexOf('\n', nl + 1);
          const users = text
            .slice(nl + 1, nl2)
            .split(',')
            .map(Number);
          if (this.local && users.some((u) => this.online.holds(u))) this.local.deliver(users, text.slice(nl2 + 1));
          return;
        }
        case 'm':
          return void this.dispatch(JSON.parse(text.slice(nl + 1)) as Exclude<ClusterMessage, { t: 'deliver' }>, from);
        case 'a': {
          const nl2 = text.indexOf('\n', nl + 1);
          const id = text.slice(nl + 1, nl2);
          const applied = this.dispatch(JSON.parse(text.slice(nl2 + 1)) as Exclude<ClusterMessage, { t: 'deliver' }>, from);
          void applied.then(() => this.send(`k${this.node}\n${from}\n${id}`));
          return;
        }
        case 'k': {
          const nl2 = text.indexOf('\n', nl + 1);
          if (text.slice(nl + 1, nl2) === this.node) this.answered(text.slice(nl2 + 1), from);
          return;
        }
        case 'l':
          // Node `from` lost publishes: this node's clients may have missed its pushes, its caches its invalidations.
          this.local?.lost?.();
          return void this.dispatch({ t: 'reset' }, this.node);
      }
    } catch (err) {
      this.opts.report(err, text[0] === 'd' ? 'deliver' : 'message');
    }
  }

  /** Runs this node's subscribers of a message it publishes, when its kind comes here. */
  private dispatchHere(msg: Exclude<ClusterMessage, { t: 'deliver' }>): Promise<unknown> {
    return TO_OTHERS.has(msg.t) ? Promise.resolve() : this.dispatch(msg, this.node);
  }

  private dispatch(msg: Exclude<ClusterMessage, { t: 'deliver' }>, from: string): Promise<unknown> {
    return this.subscribers.dispatch(msg, from);
  }

  /** The nodes registered when `publishApplied` message `id` went out: it waits for those but this one. */
  private expect(id: string, nodes: string[]): void {
    const p = this.pending.get(id);
    if (!p) return;
    p.waiting = new Set(nodes.filter((n) => n !== this.node && !p.answered.has(n)));
    if (p.waiting.size === 0) this.settle(id);
  }

  /** Node `from` has applied this node's message `id`. */
  private answered(id: string, from: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    if (!p.waiting) p.answered.add(from);
    else if (p.waiting.delete(from) && p.waiting.size === 0) this.settle(id);
  }

  /** Ends a `publishApplied` wait: with the number of nodes that did not answer (0 once closed or unknown). */
  private settle(id: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    const silent = this.closed ? 0 : (p.waiting?.size ?? 0);
    if (silent > 0) this.opts.report(new Error(`${silent} node(s) did not apply a message in time`), 'publishApplied');
    p.done(silent);
  }

  /** A node that died is announced by whichever node swept it (online-redis.ts). */
  private announceOffline(users: number[]): void {
    const lastSeen = Date.now();
    for (const user of users) this.publish({ t: 'presence', user, online: false, lastSeen });
  }

  private linkDown(which: 'pub' | 'sub'): void {
    if (this.closed) return;
    if (!this.pubLost && !this.subLost) this.opts.onLink?.(false);
    if (which === 'pub') this.pubLost = true;
    else this.subLost = true;
  }

  /** The command connection is back: the registry first (commands run in order), then `l` if needed. */
  private async pubBack(): Promise<void> {
    if (this.closed || !this.pubLost) return;
    this.pubLost = false;
    await this.online.rebuild();
    const dropped = this.dropped;
    if (dropped > 0) {
      await this.pub.publish(this.channel, `l${this.node}`);
      this.dropped -= dropped;
    }
    if (!this.subLost) this.opts.onLink?.(true);
  }

  /** The subscription is back (ioredis does not resubscribe by itself here): what came meanwhile is lost. */
  private async subBack(): Promise<void> {
    if (this.closed || !this.subLost) return;
    await this.sub.subscribe(this.channel);
    this.subLost = false;
    this.local?.lost?.();
    void this.dispatch({ t: 'reset' }, this.node);
    if (!this.pubLost) this.opts.onLink?.(true);
  }
}
