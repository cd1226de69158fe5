import type { Redis } from 'ioredis';
import type { BusErrorReporter } from './bus-memory.js';
import type { Bus, ClusterMessage, LocalDelivery, SubscribedKind, Subscriber } from './bus.js';
import { TO_OTHERS } from './bus.js';
import { RedisOnlineRegistry } from './online-redis.js';

/** A subscriber of any kind, as the bus keeps it. */
type AnySubscriber = (msg: Exclude<ClusterMessage, { t: 'deliver' }>, from: string) => void;

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
 * `deliver`, `m<node>\n<JSON>` for the other messages, `l<node>` for "this node lost publishes".
 *
 * **Outage.** Both connections fail fast while Redis is unreachable (no offline queue, nothing resent):
 * local deliveries go on, publishes are dropped and counted, the registry records changes in memory.
 * When the link is back: the registry is rebuilt from memory; a node whose subscription broke tells its
 * hub `lost()` (its clients may have missed pushes); a node that dropped publishes publishes `l`, and
 * every other node's hub is told `lost()` (their clients may have missed its pushes).
 */
export class RedisBus implements Bus {
  readonly online: RedisOnlineRegistry;
  readonly node: string;
  private readonly channel: string;
  private local: LocalDelivery | undefined;
  private readonly subscribers = new Map<SubscribedKind, AnySubscriber[]>();
  private closed = false;
  /** Publishes that failed since the link was last up (a PUBLISH in flight when it broke counts too). */
  private dropped = 0;
  private subLost = false;
  private pubLost = false;

  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly opts: RedisBusOptions,
  ) {
    this.node = opts.node;
    this.channel = `${opts.prefix}bus`;
    this.online = new RedisOnlineRegistry(pub, opts.prefix, opts.node, opts.ttlMs);
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
    if (!TO_OTHERS.has(msg.t)) this.dispatch(msg, this.node);
    this.send(`m${this.node}\n${JSON.stringify(msg)}`);
  }

  on<K extends SubscribedKind>(kind: K, handler: Subscriber<K>): void {
    let list = this.subscribers.get(kind);
    if (!list) this.subscribers.set(kind, (list = []));
    list.push(handler as unknown as AnySubscriber);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.local = undefined;
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
          return this.dispatch(JSON.parse(text.slice(nl + 1)) as Exclude<ClusterMessage, { t: 'deliver' }>, from);
        case 'l':
          return this.local?.lost?.();
      }
    } catch (err) {
      this.opts.report(err, text[0] === 'd' ? 'deliver' : 'message');
    }
  }

  private dispatch(msg: Exclude<ClusterMessage, { t: 'deliver' }>, from: string): void {
    for (const h of this.subscribers.get(msg.t) ?? []) {
      try {
        h(msg, from);
      } catch (err) {
        this.opts.report(err, msg.t);
      }
    }
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
    if (!this.pubLost) this.opts.onLink?.(true);
  }
}
