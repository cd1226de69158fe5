import type { RequestData, ResultData } from '@warbler/protocol';
import type { MessageOf } from '../bus/bus.js';
import { WarblerError } from '../errors.js';
import type { Connection, SharedFrame } from '../connections/connection.js';
import type { HubListener } from '../connections/hub.js';
import type { RequestContext } from '../connections/request.js';
import type { ContactSettings } from '../store/contact-store.js';
import type { Access } from './access.js';
import type { ContactListener, Contacts } from './contacts.js';
import type { ServiceDeps } from './deps.js';
import type { GroupChanges, MembershipListener } from './group-changes.js';

type Privacy = ContactSettings['presence'];
type PresenceState = ResultData<'presence.watch'>['presence'][number];

/** What one connection watches: whose connection it is, and watched user → its watch. */
interface Watching {
  userId: number;
  watches: Map<number, Watch>;
}

/** One connection's watch of one user. */
interface Watch {
  /** The watcher counts as the user's contact (friend or group mate): read at watch time, kept up on friend changes. */
  contact: boolean;
  /** The watcher currently sees the user's real presence (else: always offline, no last seen). */
  shown: boolean;
}

/**
 * Presence (online, offline, last seen) and typing indicators: ephemeral, never stored.
 *
 * A user is online while any of their connections is open on any node of the cluster (the online
 * registry knows; the hub tells us when the first opens and the last closes, and we tell every node
 * with a `presence` bus message, which each node announces to its own watchers). A connection watches users with `presence.watch` and gets a
 * `presence` event when one goes online or offline, as the user's privacy lets the watcher see it.
 * Last seen is the time the user's last connection closed: kept in memory for users who went offline
 * since the start, and written to their device's `last_seen_at` (batched by accounts), which is read
 * for the others. Watches live in memory only for connections that watch something, and go when the
 * connection closes. Connections are known by id (`RequestContext.connId`) and reached through the
 * hub; who is online anywhere comes from the Bus's online registry. Privacy and relation changes made
 * on other nodes arrive through the contacts service's listener, group membership changes through the
 * groups service.
 */
export class Presence implements HubListener, ContactListener, MembershipListener {
  /** Per connection (id) that watches anyone: what it watches. */
  private readonly watching = new Map<string, Watching>();
  /** Per watched user: the connections (ids) watching them. */
  private readonly watchers = new Map<number, Set<string>>();
  /** Presence privacy of every watched user. */
  private readonly privacy = new Map<number, Privacy>();
  /** When users who are offline now went offline, since the start (the device writes lag up to a second). */
  private readonly offlineAt = new Map<number, number>();
  /** Per connection that sent `typing`: conversation → when its last accepted `typing` came. */
  private readonly typingAt = new Map<string, Map<string, number>>();

  constructor(
    protected readonly deps: ServiceDeps,
    protected readonly peers: { contacts: Contacts; groups: GroupChanges; access: Access },
  ) {}

  async start(): Promise<void> {
    this.deps.hub.listen(this);
    this.peers.contacts.listen(this);
    this.peers.groups.listen(this);
    this.deps.bus.on('presence', (m) => this.presenceChanged(m));
  }
  async stop(): Promise<void> {
    this.watching.clear();
    this.watchers.clear();
    this.privacy.clear();
    this.offlineAt.clear();
    this.typingAt.clear();
  }

  /** Whether user `me` may see the real presence of `target`. */
  private visible(me: number, target: number, w: Watch): boolean {
    if (me === target) return true;
    if (this.peers.contacts.isBlocked(target, me)) return false;
    const p = this.privacy.get(target) ?? 'contacts';
    return p === 'everyone' || (p === 'contacts' && w.contact);
  }

  /** What a watcher is shown of `target` (`online` anywhere, says the registry): the real state, or offline without last seen. */
  private state(target: number, shown: boolean, online: boolean, storedLastSeen: number | undefined): PresenceState {
    if (!shown) return { user: target, online: false };
    if (online) return { user: target, online: true };
    const lastSeen = Math.max(this.offlineAt.get(target) ?? 0, storedLastSeen ?? 0);
    return lastSeen > 0 ? { user: target, online: false, lastSeen } : { user: target, online: false };
  }

  /**
   * Answers the users' presence as the caller may see it, and watches them for the caller's connection.
   * A caller without a connection (a REST call) gets the answer and watches nothing.
   */
  async watch(caller: RequestContext, data: RequestData<'presence.watch'>): Promise<ResultData<'presence.watch'>> {
    const me = caller.userId;
    const conn = caller.connId;
    const wanted = [...new Set(data.users)];
    const { contacts } = this.deps.store;
    const settings = await contacts.settings(wanted);
    // Every id is answered and watched, one that belongs to nobody as a user who hides their presence:
    // the answer must not tell how many of the ids exist.
    const known = wanted.filter((u) => settings.has(u));
    // Asked whatever the privacy is now: it may change to `contacts` while the watch lasts.
    const others = known.filter((u) => u !== me);
    const mates = others.length > 0 ? await contacts.contactsAmong(me, others) : new Set<number>();
    const lastSeen = await contacts.lastSeen(known);
    const online = await this.deps.bus.online.onlineAmong(known);
    if (conn !== undefined && !this.deps.hub.has(conn)) return { presence: [] };
    // From here on nothing waits: the watches and the states they answer with are one snapshot.
    const entry = (conn !== undefined && this.watching.get(conn)) || { userId: me, watches: new Map<number, Watch>() };
    const mine = entry.watches;
    const max = this.deps.config.presence.maxWatched;
    const total = mine.size + wanted.filter((u) => !mine.has(u)).length;
    if (total > max)
      throw new WarblerError('request_too_large', `a connection may watch at most ${max} users; this one would watch ${total}`);
    const presence: PresenceState[] = [];
    for (const u of wanted) {
      this.privacy.set(u, settings.get(u)?.presence ?? 'nobody');
      const w: Watch = { contact: mates.has(u), shown: false };
      w.shown = this.visible(me, u, w);
      presence.push(this.state(u, w.shown, online.has(u), lastSeen.get(u)));
      if (conn === undefined) {
        this.dropPrivacy(u);
        continue;
      }
      mine.set(u, w);
      let set = this.watchers.get(u);
      if (!set) this.watchers.set(u, (set = new Set()));
      set.add(conn);
    }
    if (conn !== undefined && mine.size > 0) this.watching.set(conn, entry);
    return { presence };
  }

  unwatch(caller: RequestContext, data: RequestData<'presence.unwatch'>): ResultData<'presence.unwatch'> {
    const conn = caller.connId;
    const mine = conn === undefined ? undefined : this.watching.get(conn)?.watches;
    if (!mine || conn === undefined) return {};
    for (const u of data.users) if (mine.delete(u)) this.dropWatcher(u, conn);
    if (mine.size === 0) this.watching.delete(conn);
    return {};
  }

  /** Forgets the privacy of a user nobody watches. */
  private dropPrivacy(target: number): void {
    if (!this.watchers.has(target)) this.privacy.delete(target);
  }

  private dropWatcher(target: number, conn: string): void {
    const set = this.watchers.get(target);
    if (!set) return;
    set.delete(conn);
    if (set.size === 0) {
      this.watchers.delete(target);
      this.privacy.delete(target);
    }
  }

  /** Pushes `target`'s state, serialized once, to the watchers that see it. */
  private announce(target: number, state: PresenceState): void {
    const set = this.watchers.get(target);
    if (!set) return;
    const frame: SharedFrame = { text: JSON.stringify({ ev: 'presence', data: state }) };
    for (const conn of set) if (this.watching.get(conn)?.watches.get(target)?.shown) this.deps.hub.push(conn, frame);
  }

  userOnline(userId: number): void {
    this.deps.bus.publish({ t: 'presence', user: userId, online: true });
  }

  userOffline(userId: number): void {
    this.deps.bus.publish({ t: 'presence', user: userId, online: false, lastSeen: Date.now() });
  }

  /** A user came online or went offline, on any node (this one's changes too): tells the watchers here. */
  private presenceChanged(m: MessageOf<'presence'>): void {
    if (m.online) {
      this.offlineAt.delete(m.user);
      this.announce(m.user, { user: m.user, online: true });
      return;
    }
    const at = m.lastSeen ?? Date.now();
    if (this.offlineAt.size >= 100_000) this.offlineAt.clear();
    this.offlineAt.set(m.user, at);
    this.announce(m.user, { user: m.user, online: false, lastSeen: at });
  }

  connectionClosed(c: Connection): void {
    this.deps.accounts.touch(c.deviceId, Date.now());
    this.typingAt.delete(c.connId);
    const mine = this.watching.get(c.connId);
    if (!mine) return;
    this.watching.delete(c.connId);
    for (const u of mine.watches.keys()) this.dropWatcher(u, c.connId);
  }

  /**
   * Re-evaluates what the watchers of `target` among `conns` may see, and pushes the new state to
   * those for whom it changed.
   */
  private async refresh(target: number, conns: readonly string[]): Promise<void> {
    const changed = conns.filter((conn) => {
      const entry = this.watching.get(conn);
      const w = entry?.watches.get(target);
      if (!entry || !w) return false;
      const shown = this.visible(entry.userId, target, w);
      if (shown === w.shown) return false;
      w.shown = shown;
      return true;
    });
    if (changed.length === 0) return;
    const online = (await this.deps.bus.online.onlineAmong([target])).has(target);
    const stored = online ? undefined : (await this.deps.store.contacts.lastSeen([target])).get(target);
    for (const conn of changed) {
      const w = this.watching.get(conn)?.watches.get(target);
      if (w) this.deps.hub.push(conn, { text: JSON.stringify({ ev: 'presence', data: this.state(target, w.shown, online, stored) }) });
    }
  }

  /** Resolves once the watchers here whose view changed have been sent the new state. */
  async presencePrivacyChanged(userId: number, presence: Privacy): Promise<void> {
    if (!this.watchers.has(userId)) return;
    this.privacy.set(userId, presence);
    await this.refresh(userId, [...this.watchers.get(userId)!]).catch((err: unknown) =>
      this.deps.logger.warn('presence refresh failed', { err }),
    );
  }

  /**
   * Group membership changed for `users` against the group's `members` (joined, added, removed, left,
   * dissolved): sharing a group makes users contacts for presence, so re-evaluate the watches between them.
   */
  membershipChanged(users: readonly number[], members: readonly number[]): void {
    for (const u of users)
      for (const m of members) if (m !== u && (this.watches(u, m) || this.watches(m, u))) void this.relationChanged(u, m);
  }

  /** True when a connection of `watcher` watches `target`. */
  private watches(watcher: number, target: number): boolean {
    for (const conn of this.watchers.get(target) ?? []) if (this.watching.get(conn)?.userId === watcher) return true;
    return false;
  }

  /** Resolves once the watchers here, between `a` and `b`, whose view changed have been sent the new state. */
  async relationChanged(a: number, b: number): Promise<void> {
    const run = async (watcher: number, target: number): Promise<void> => {
      const conns = [...(this.watchers.get(target) ?? [])].filter((conn) => this.watching.get(conn)?.userId === watcher);
      if (conns.length === 0) return;
      const contact = (await this.deps.store.contacts.contactsAmong(watcher, [target])).has(target);
      for (const conn of conns) {
        const w = this.watching.get(conn)?.watches.get(target);
        if (w) w.contact = contact;
      }
      await this.refresh(target, conns);
    };
    const fail = (err: unknown) => this.deps.logger.warn('presence refresh failed', { err });
    await Promise.all([run(a, b).catch(fail), run(b, a).catch(fail)]);
  }

  /**
   * A `typing` indicator: pushed to the conversation's other members, never stored. The sender must
   * be allowed to send there (so not in an account log, not to a user who blocked them, not muted).
   */
  async typing(caller: RequestContext, data: RequestData<'typing'>): Promise<ResultData<'typing'>> {
    const me = caller.userId;
    const conn = caller.connId;
    const access = await this.peers.access.check(caller, data.conv, 'send');
    const now = Date.now();
    const interval = this.deps.config.presence.typingIntervalMs;
    // The rate is per connection; a caller without one (a REST call) is not limited here.
    let mine = conn === undefined ? undefined : this.typingAt.get(conn);
    const last = mine?.get(data.conv);
    if (last !== undefined && now - last < interval)
      throw new WarblerError('rate_limited', `at most one typing frame per conversation every ${interval} ms`);
    if (conn !== undefined) {
      if (!this.deps.hub.has(conn)) return {};
      if (!mine) this.typingAt.set(conn, (mine = new Map()));
      // Entries older than the interval limit nothing: drop them before the map grows.
      if (mine.size >= 16) for (const [c, at] of mine) if (now - at >= interval) mine.delete(c);
      mine.set(data.conv, now);
    }
    const others = access.members.filter((u) => u !== me);
    if (others.length > 0)
      this.deps.bus.deliver(others, JSON.stringify({ ev: 'typing', data: { conv: data.conv, user: me, typing: data.typing } }));
    return {};
  }
}
