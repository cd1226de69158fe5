import { LIMITS, selfConvId, type RequestData, type ResultData, type User } from '@warbler/protocol';
import { normalizeDisplayName } from '../auth/rules.js';
import { WarblerError } from '../errors.js';
import type { Applied, ContactSettings, ProfileChanges, ProfileRow, UserSinceRow } from '../store/contact-store.js';
import type { NewMessage } from '../store/store.js';
import type { ServiceDeps } from './deps.js';
import type { BlockList } from './directory.js';
import { systemMessage } from './journal.js';
import type { RequestContext } from '../connections/request.js';

/** Who is told when contacts change (the presence service), after the change is stored. */
export interface ContactListener {
  /** The friendship or block between `a` and `b` changed; resolves once the listener has acted on it. */
  relationChanged(a: number, b: number): Promise<void>;
  /** The user's presence privacy setting is now `presence`; resolves once the listener has acted on it. */
  presencePrivacyChanged(userId: number, presence: ContactSettings['presence']): Promise<void>;
}

/**
 * Free text of a profile or request (bio, request message): NFC, trimmed, line breaks allowed but no
 * other control characters; undefined when empty.
 */
function freeText(input: string, field: string): string | undefined {
  const t = input.normalize('NFC').trim();
  if (/[^\P{Cc}\n]/u.test(t)) throw new WarblerError('invalid_frame', `data.${field}: no control characters but line breaks`);
  return t === '' ? undefined : t;
}

/** Paging of `after`/`limit` lists: one row more than asked tells whether there are more. */
function page<R>(rows: R[], limit: number): { rows: R[]; more: boolean } {
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}

const userSince = (r: UserSinceRow): { user: User; since: number } => ({ user: r.user, since: r.since });

/**
 * Contacts: friends and friend requests, blocking, profiles, privacy settings. (Finding users: Lookups.)
 *
 * Every change is stored with its `account` events (in the account log `u:<id>` of each user it
 * concerns) in one transaction, then the events are pushed; a device that was offline replays them
 * by sync. The block list lives in memory, loaded at start and kept in step with every change, since
 * messaging asks `isBlocked` on every one-to-one send. Every relation and privacy change is also
 * published on the bus (`contacts`, `privacy`, with `publishApplied`), so the other nodes update their
 * block lists and tell their listeners before the op is answered; a node that may have missed messages
 * reads the block lists again (`reset`).
 */
export class Contacts implements BlockList {
  /** Blocker → the users they blocked. */
  private readonly blocks = new Map<number, Set<number>>();
  private readonly listeners: ContactListener[] = [];

  constructor(protected readonly deps: ServiceDeps) {}

  async start(): Promise<void> {
    await this.loadBlocks();
    // Changes made on other nodes.
    this.deps.bus.on('contacts', (m) => {
      if (m.block !== undefined) this.remember(m.a, m.b, m.block);
      return Promise.all(this.listeners.map((l) => l.relationChanged(m.a, m.b)));
    });
    this.deps.bus.on('privacy', (m) => Promise.all(this.listeners.map((l) => l.presencePrivacyChanged(m.user, m.presence))));
    // This node may have missed changes: the block lists are read again.
    this.deps.bus.on('reset', () => this.loadBlocks());
  }

  /** Reads every block from the store, replacing what is in memory. */
  private async loadBlocks(): Promise<void> {
    const all = await this.deps.store.contacts.allBlocks();
    this.blocks.clear();
    for (const b of all) this.remember(b.blocker, b.blocked, true);
  }
  async stop(): Promise<void> {}

  isBlocked(blocker: number, sender: number): boolean {
    return this.blocks.get(blocker)?.has(sender) ?? false;
  }

  /** Registers a listener for contact changes. */
  listen(l: ContactListener): void {
    this.listeners.push(l);
  }

  private remember(blocker: number, blocked: number, on: boolean): void {
    let set = this.blocks.get(blocker);
    if (on) {
      if (!set) this.blocks.set(blocker, (set = new Set()));
      set.add(blocked);
    } else if (set) {
      set.delete(blocked);
      if (set.size === 0) this.blocks.delete(blocker);
    }
  }

  /** An `account` event for the log of `owner`, recording an action of `actor`. */
  private event(owner: number, actor: number, event: Record<string, unknown>): NewMessage {
    return systemMessage({ conv: selfConvId(owner), members: [owner], senderId: actor, kind: 'account', event });
  }

  /** Records a change stored with its events (see Journal.record); the acting connection gets its response instead of them. */
  private record<O>(caller: RequestContext, write: Promise<Applied<O>>): Promise<O> {
    return this.deps.journal.record(write, caller.connId);
  }

  /**
   * The friendship or block between `a` and `b` changed (with `block`: `a`'s block of `b` is now on or
   * off): remembered here, told to the listeners here and to the other nodes; resolves once every node
   * has applied it, so the op's answer comes after the change is in force everywhere.
   */
  private async relationChanged(a: number, b: number, block?: boolean): Promise<void> {
    if (block !== undefined) this.remember(a, b, block);
    const here = Promise.all(this.listeners.map((l) => l.relationChanged(a, b)));
    await this.deps.bus.publishApplied(block === undefined ? { t: 'contacts', a, b } : { t: 'contacts', a, b, block });
    await here;
  }

  async updateProfile(caller: RequestContext, data: RequestData<'profile.update'>): Promise<ResultData<'profile.update'>> {
    const me = caller.userId;
    const changes: ProfileChanges = {};
    if (data.displayName !== undefined) {
      const d = normalizeDisplayName(data.displayName);
      if (!d) throw new WarblerError('invalid_display_name', 'display name: 1-64 characters, no control characters');
      changes.displayName = d;
    }
    if (data.avatar !== undefined) {
      if (/\p{Cc}/u.test(data.avatar)) throw new WarblerError('invalid_frame', 'data.avatar: no control characters');
      changes.avatar = data.avatar === '' ? null : data.avatar;
    }
    if (data.bio !== undefined) changes.bio = freeText(data.bio, 'bio') ?? null;
    const changed = Object.keys(changes).length > 0;
    const user = await this.record(
      caller,
      this.deps.store.contacts.updateProfile(me, changes, (u) => (u && changed ? [this.event(me, me, { type: 'profile', user: u })] : [])),
    );
    if (!user) throw new WarblerError('user_not_found');
    return { user };
  }

  async updatePrivacy(caller: RequestContext, data: RequestData<'privacy.update'>): Promise<ResultData<'privacy.update'>> {
    const me = caller.userId;
    const changes: Partial<ContactSettings> = {};
    if (data.friendPolicy !== undefined) changes.friendPolicy = data.friendPolicy;
    if (data.presence !== undefined) changes.presence = data.presence;
    const changed = Object.keys(changes).length > 0;
    const settings = await this.record(
      caller,
      this.deps.store.contacts.updateSettings(me, changes, (s) => (s && changed ? [this.event(me, me, { type: 'privacy', ...s })] : [])),
    );
    if (!settings) throw new WarblerError('user_not_found');
    if (changes.presence !== undefined) {
      const here = Promise.all(this.listeners.map((l) => l.presencePrivacyChanged(me, settings.presence)));
      await this.deps.bus.publishApplied({ t: 'privacy', user: me, presence: settings.presence });
      await here;
    }
    return settings;
  }

  async request(caller: RequestContext, data: RequestData<'friend.request'>): Promise<ResultData<'friend.request'>> {
    const me = caller.userId;
    const them = data.user;
    if (them === me) throw new WarblerError('forbidden', 'you cannot befriend yourself');
    const message = data.message === undefined ? undefined : freeText(data.message, 'message');
    await this.deps.lookups.chargeStrangers(me, [them]);
    const outcome = await this.record(
      caller,
      this.deps.store.contacts.requestFriend(me, them, message ?? null, Date.now(), (o) => {
        const withMessage = message === undefined ? {} : { message };
        if (o === 'pending') {
          const ev = { type: 'friend.request', from: me, to: them, ...withMessage };
          return [this.event(them, me, ev), this.event(me, me, ev)];
        }
        if (o === 'friends')
          return [
            this.event(them, me, { type: 'friend.accepted', user: me, ...withMessage }),
            this.event(me, me, { type: 'friend.accepted', user: them }),
          ];
        return [];
      }),
    );
    switch (outcome) {
      case 'no_user':
        throw new WarblerError('user_not_found');
      case 'blocked':
        throw new WarblerError('blocked');
      case 'blocking':
        throw new WarblerError('forbidden', 'you blocked this user: unblock them first');
      case 'closed':
        throw new WarblerError('friend_requests_closed');
      case 'already_pending':
      case 'pending':
        return { status: 'pending' };
      case 'already_friends':
        return { status: 'already_friends' };
      case 'friends':
        await this.relationChanged(me, them);
        return { status: 'friends' };
    }
  }

  async accept(caller: RequestContext, data: RequestData<'friend.accept'>): Promise<ResultData<'friend.accept'>> {
    const me = caller.userId;
    const them = data.user;
    const outcome = await this.record(
      caller,
      this.deps.store.contacts.acceptRequest(them, me, Date.now(), (o) =>
        o === 'accepted'
          ? [this.event(them, me, { type: 'friend.accepted', user: me }), this.event(me, me, { type: 'friend.accepted', user: them })]
          : [],
      ),
    );
    if (outcome === 'not_found') throw new WarblerError('request_not_found');
    await this.relationChanged(me, them);
    const user = (await this.deps.store.contacts.profiles([them])).get(them);
    return { user: user ?? { id: them, username: '', displayName: '' } };
  }

  async decline(caller: RequestContext, data: RequestData<'friend.decline'>): Promise<ResultData<'friend.decline'>> {
    const me = caller.userId;
    const them = data.user;
    // The sender is not told: the request only leaves their outgoing list.
    const outcome = await this.record(
      caller,
      this.deps.store.contacts.declineRequest(them, me, (o) =>
        o === 'declined' ? [this.event(me, me, { type: 'friend.declined', user: them })] : [],
      ),
    );
    if (outcome === 'not_found') throw new WarblerError('request_not_found');
    return {};
  }

  async remove(caller: RequestContext, data: RequestData<'friend.remove'>): Promise<ResultData<'friend.remove'>> {
    const me = caller.userId;
    const them = data.user;
    const outcome = await this.record(
      caller,
      this.deps.store.contacts.removeFriend(me, them, (o) =>
        o === 'removed'
          ? [this.event(them, me, { type: 'friend.removed', user: me }), this.event(me, me, { type: 'friend.removed', user: them })]
          : [],
      ),
    );
    if (outcome === 'not_friends') return { removed: false };
    await this.relationChanged(me, them);
    return { removed: true };
  }

  async listFriends(caller: RequestContext, data: RequestData<'friend.list'>): Promise<ResultData<'friend.list'>> {
    const limit = data.limit ?? LIMITS.defaultPage;
    const p = page(await this.deps.store.contacts.listFriends(caller.userId, data.after ?? 0, limit + 1), limit);
    return { friends: p.rows.map(userSince), more: p.more };
  }

  async listRequests(caller: RequestContext, data: RequestData<'friend.requests'>): Promise<ResultData<'friend.requests'>> {
    const r = await this.deps.store.contacts.listRequests(caller.userId, data.limit ?? LIMITS.defaultPage);
    const wire = (x: { user: ProfileRow; message: string | null; createdAt: number }) => ({
      user: x.user,
      ...(x.message !== null ? { message: x.message } : {}),
      ts: x.createdAt,
    });
    return { incoming: r.incoming.map(wire), outgoing: r.outgoing.map(wire) };
  }

  /**
   * Blocks a user: their sends and friend requests to the caller get `blocked`, their presence
   * watches see the caller offline. Ends a friendship (they get `friend.removed`, as after a plain
   * removal) and deletes pending requests both ways (silently). Only the blocker's log records it.
   */
  async block(caller: RequestContext, data: RequestData<'block.add'>): Promise<ResultData<'block.add'>> {
    const me = caller.userId;
    const them = data.user;
    if (them === me) throw new WarblerError('forbidden', 'you cannot block yourself');
    await this.deps.lookups.chargeStrangers(me, [them]);
    const outcome = await this.record(
      caller,
      this.deps.store.contacts.block(me, them, Date.now(), (o) => {
        if (o === 'blocked') return [this.event(me, me, { type: 'blocked', user: them })];
        if (o === 'blocked_unfriended')
          return [this.event(me, me, { type: 'blocked', user: them }), this.event(them, me, { type: 'friend.removed', user: me })];
        return [];
      }),
    );
    if (outcome === 'no_user') throw new WarblerError('user_not_found');
    if (outcome !== 'already_blocked') await this.relationChanged(me, them, true);
    return {};
  }

  async unblock(caller: RequestContext, data: RequestData<'block.remove'>): Promise<ResultData<'block.remove'>> {
    const me = caller.userId;
    const them = data.user;
    const outcome = await this.record(
      caller,
      this.deps.store.contacts.unblock(me, them, (o) => (o === 'unblocked' ? [this.event(me, me, { type: 'unblocked', user: them })] : [])),
    );
    if (outcome === 'unblocked') await this.relationChanged(me, them, false);
    return {};
  }

  /**
   * Ends every tie of a deleted account: its former friends get `friend.removed` in their account logs
   * (as after a plain removal); requests and blocks both ways go silently.
   */
  async removeDeletedUser(userId: number): Promise<void> {
    const { friends, blocks } = await this.deps.journal.record(
      this.deps.store.contacts.removeUser(userId, (o) =>
        o.friends.map((f) => this.event(f, userId, { type: 'friend.removed', user: userId })),
      ),
    );
    for (const b of blocks) this.remember(b.blocker, b.blocked, false);
    for (const f of friends) await this.relationChanged(userId, f);
    for (const b of blocks) await this.relationChanged(b.blocker, b.blocked, false);
  }

  async listBlocked(caller: RequestContext, data: RequestData<'block.list'>): Promise<ResultData<'block.list'>> {
    const limit = data.limit ?? LIMITS.defaultPage;
    const p = page(await this.deps.store.contacts.listBlocked(caller.userId, data.after ?? 0, limit + 1), limit);
    return { blocked: p.rows.map(userSince), more: p.more };
  }
}
