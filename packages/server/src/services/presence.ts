import type { RequestData, ResultData } from '@warbler/protocol';
import type { MessageOf } from '../bus/bus.js';
import { WarblerError } from '../errors.js';
import type { HubListener } from '../session/hub.js';
import type { Session, SharedFrame } from '../session/session.js';
import type { ContactSettings } from '../store/store-contacts.js';
import type { ContactListener, Contacts } from './contacts.js';
import type { ServiceDeps } from './deps.js';
import type { Groups } from './groups.js';

type Privacy = ContactSettings['presence'];
type PresenceState = ResultData<'presence.watch'>['presence'][number];

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
 * connection closes. Privacy and relation changes made on other nodes arrive through the contacts
 * service's listener, group membership changes through the groups service.
 */
export class Presence implements HubListener, ContactListener {
  /** Per connection that watches anyone: watched user → its watch. */
  private readonly watching = new Map<Session, Map<number, Watch>>();
  /** Per watched user: the connections watching them. */
  private readonly watchers = new Map<number, Set<Session>>();
  /** Presence privacy of every watched user. */
  private readonly privacy = new Map<number, Privacy>();
  /** When users who are offline now went offline, since the start (the device writes lag up to a second). */
  private readonly offlineAt = new Map<number, number>();
  /** Per connection that sent `typing`: conversation → when its last accepted `typing` came. */
  private readonly typingAt = new Map<Session, Map<string, number>>();

  constructor(
    protected readonly deps: ServiceDeps,
    protected readonly peers: { contacts: Contacts; groups: Groups },
  ) {}

  async start(): Promise<void> {
    this.deps.hub.listener = this;
    this.peers.contacts.listen(this);
    this.deps.bus.on('presence', (m) => this.presenceChanged(m));
  }
  async stop(): Promise<void> {
    this.deps.hub.listener = undefined;
    this.watching.clear();
    this.watchers.clear();
    this.privacy.clear();
    this.offlineAt.clear();
    this.typingAt.clear();
  }

  /** Whether connection `s` may see the real presence of `target`. */
  private visible(s: Session, target: number, w: Watch): boolean {
    const me = s.me.user.id;
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

  async watch(s: Session, data: RequestData<'presence.watch'>): Promise<ResultData<'presence.watch'>> {
    const me = s.me.user.id;
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
    if (s.closed) return { presence: [] };
    // From here on nothing waits: the watches and the states they answer with are one snapshot.
    const mine = this.watching.get(s) ?? new Map<number, Watch>();
    const max = this.deps.config.presence.maxWatched;
    const total = mine.size + wanted.filter((u) => !mine.has(u)).length;
    if (total > max)
      throw new WarblerError('request_too_large', `a connection may watch at most ${max} users; this one would watch ${total}`);
    const presence: PresenceState[] = [];
    for (const u of wanted) {
      this.privacy.set(u, settings.get(u)?.presence ?? 'nobody');
      const w: Watch = { contact: mates.has(u), shown: false };
      w.shown = this.visible(s, u, w);
      mine.set(u, w);
      let set = this.watchers.get(u);
      if (!set) this.watchers.set(u, (set = new Set()));
      set.add(s);
      presence.push(this.state(u, w.shown, online.has(u), lastSeen.get(u)));
    }
    if (mine.size > 0) this.watching.set(s, mine);
    return { presence };
  }

  unwatch(s: Session, data: RequestData<'presence.unwatch'>): ResultData<'presence.unwatch'> {
    const mine = this.watching.get(s);
    if (!mine) return {};
    for (const u of data.users) if (mine.delete(u)) this.dropWatcher(u, s);
    if (mine.size === 0) this.watching.delete(s);
    return {};
  }

  private dropWatcher(target: number, s: Session): void {
    const set = this.watchers.get(target);
    if (!set) return;
    set.delete(s);
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
    for (const s of set) if (this.watching.get(s)?.get(target)?.shown) s.push(frame);
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

  connectionClosed(s: Session): void {
    this.deps.accounts.touch(s.me.deviceId, Date.now());
    this.typingAt.delete(s);
    const mine = this.watching.get(s);
    if (!mine) return;
    this.watching.delete(s);
    for (const u of mine.keys()) this.dropWatcher(u, s);
  }

  /**
   * Re-evaluates what the watchers of `target` among `sessions` may see, and pushes the new state to
   * those for whom it changed.
   */
  private async refresh(target: number, sessions: readonly Session[]): Promise<void> {
    const changed = sessions.filter((s) => {
      const w = this.watching.get(s)?.get(target);
      if (!w) return false;
      const shown = this.visible(s, target, w);
      if (shown === w.shown) return false;
      w.shown = shown;
      return true;
    });
    if (changed.length === 0) return;
    const online = (await this.deps.bus.online.onlineAmong([target])).has(target);
    const stored = online ? undefined : (await this.deps.store.contacts.lastSeen([target])).get(target);
    for (const s of changed) {
      const w = this.watching.get(s)?.get(target);
      if (w) s.push({ text: JSON.stringify({ ev: 'presence', data: this.state(target, w.shown, online, stored) }) });
    }
  }

  presencePrivacyChanged(userId: number, presence: Privacy): void {
    if (!this.watchers.has(userId)) return;
    this.privacy.set(userId, presence);
    this.refresh(userId, [...this.watchers.get(userId)!]).catch((err: unknown) =>
      this.deps.logger.warn('presence refresh failed', { err }),
    );
  }

  /**
   * Group membership changed for `users` against the group's `members` (joined, added, removed, left,
   * dissolved): sharing a group makes users contacts for presence, so re-evaluate the watches between them.
   */
  membershipChanged(users: readonly number[], members: readonly number[]): void {
    for (const u of users) for (const m of members) if (m !== u && (this.watches(u, m) || this.watches(m, u))) this.relationChanged(u, m);
  }

  /** True when a connection of `watcher` watches `target`. */
  private watches(watcher: number, target: number): boolean {
    for (const s of this.watchers.get(target) ?? []) if (s.me.user.id === watcher) return true;
    return false;
  }

  relationChanged(a: number, b: number): void {
    const run = async (watcher: number, target: number): Promise<void> => {
      const sessions = [...(this.watchers.get(target) ?? [])].filter((s) => s.me.user.id === watcher);
      if (sessions.length === 0) return;
      const contact = (await this.deps.store.contacts.contactsAmong(watcher, [target])).has(target);
      for (const s of sessions) {
        const w = this.watching.get(s)?.get(target);
        if (w) w.contact = contact;
      }
      await this.refresh(target, sessions);
    };
    const fail = (err: unknown) => this.deps.logger.warn('presence refresh failed', { err });
    run(a, b).catch(fail);
    run(b, a).catch(fail);
  }

  /**
   * A `typing` indicator: pushed to the conversation's other members, never stored. The sender must
   * be allowed to send there (so not in an account log, not to a user who blocked them, not muted).
   */
  async typing(s: Session, data: RequestData<'typing'>): Promise<ResultData<'typing'>> {
    const me = s.me.user.id;
    const access = await this.deps.messaging.access({ userId: me, connId: s.connId }, data.conv, 'send');
    const now = Date.now();
    const interval = this.deps.config.presence.typingIntervalMs;
    let mine = this.typingAt.get(s);
    const last = mine?.get(data.conv);
    if (last !== undefined && now - last < interval)
      throw new WarblerError('rate_limited', `at most one typing frame per conversation every ${interval} ms`);
    if (s.closed) return {};
    if (!mine) this.typingAt.set(s, (mine = new Map()));
    // Entries older than the interval limit nothing: drop them before the map grows.
    if (mine.size >= 16) for (const [conv, at] of mine) if (now - at >= interval) mine.delete(conv);
    mine.set(data.conv, now);
    const others = access.members.filter((u) => u !== me);
    if (others.length > 0)
      this.deps.bus.deliver(others, JSON.stringify({ ev: 'typing', data: { conv: data.conv, user: me, typing: data.typing } }));
    return {};
  }
}
