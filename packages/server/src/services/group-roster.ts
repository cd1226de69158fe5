import { parseGroupConvId } from '@warbler/protocol';
import { WarblerError } from '../errors.js';
import type { GroupRole, GroupRow } from '../store/group-store.js';
import type { Store } from '../store/store.js';
import type { GroupAccess } from './directory.js';

export interface MemberState {
  role: GroupRole;
  /** When the mute ends; 0 when not muted. */
  mutedUntil: number;
}

/**
 * What this process knows of one group, loaded from the store on first use and changed with every
 * change the service makes, so that a send to the group reads nothing from the store.
 */
export interface GroupState {
  conv: string;
  /** Settings; `dissolvedAt` set once dissolved. */
  row: GroupRow;
  /**
   * The current members. The SAME array for the group's whole life, changed in place: a message holds
   * it from its access check to its push, so the push goes to whoever is a member when it is stored.
   */
  members: number[];
  byUser: Map<number, MemberState>;
  /** The two answers sendAccess / readAccess give, made once. */
  asAdmin: GroupAccess;
  asMember: GroupAccess;
  /** Changes to the group run one at a time: each waits for the one before. */
  lock: Promise<unknown>;
  /** Set when a change failed after mirroring itself here: the state is dropped and reloaded. */
  stale: boolean;
}

export const isAdmin = (role: GroupRole | undefined): boolean => role === 'owner' || role === 'admin';

/**
 * The groups this process knows, by conversation: each loaded from the store on first use, then kept
 * in step by the changes the groups service makes (`change`, `addToState`, `removeFromState`).
 */
export class GroupRoster {
  private readonly cache = new Map<string, GroupState>();
  private readonly loading = new Map<string, Promise<GroupState | undefined>>();

  constructor(private readonly store: Store) {}

  /** The group's state if it is in memory. */
  cached(conv: string): GroupState | undefined {
    return this.cache.get(conv);
  }

  /** The group's state, from memory or else from the store (undefined when there is no such group). */
  find(conv: string): Promise<GroupState | undefined> {
    const g = this.cache.get(conv);
    return g ? Promise.resolve(g) : this.load(conv);
  }

  /** Remembers a group just created with these members. */
  created(row: GroupRow, members: readonly { userId: number; role: GroupRole; mutedUntil: number }[]): GroupState {
    const g = newState(row, members);
    this.cache.set(g.conv, g);
    return g;
  }

  /** A group that exists and is not dissolved; else `conversation_not_found`. */
  async live(conv: string): Promise<GroupState> {
    const g = await this.find(conv);
    if (!g || g.row.dissolvedAt !== null) throw new WarblerError('conversation_not_found');
    return g;
  }

  /**
   * Runs a change of group `conv` after the changes before it. A change that fails with anything but a
   * refusal may have left the memory out of step with the store: the state is then dropped and reloaded.
   */
  async change<T>(conv: string, fn: (g: GroupState) => Promise<T>): Promise<T> {
    const g = await this.live(conv);
    const run = g.lock.then(async () => {
      if (g.stale) return this.change(conv, fn);
      if (g.row.dissolvedAt !== null) throw new WarblerError('conversation_not_found');
      try {
        return await fn(g);
      } catch (e) {
        if (!(e instanceof WarblerError)) {
          g.stale = true;
          if (this.cache.get(conv) === g) this.cache.delete(conv);
        }
        throw e;
      }
    });
    g.lock = run.catch(() => undefined);
    return run;
  }

  /**
   * Drops the group's state (another node changed the group): the next use reloads it from the store, a
   * change waiting for its lock re-runs on the reloaded state, and a load already under way is not kept.
   * `gone` (members who left) are first taken out of the dropped state, in place: a message that holds
   * its members array from an earlier access check is not pushed to them.
   */
  forget(conv: string, gone: readonly number[] = []): void {
    const g = this.cache.get(conv);
    if (g) {
      g.stale = true;
      this.cache.delete(conv);
      if (gone.length > 0) removeFromState(g, gone);
    }
    this.loading.delete(conv);
  }

  /** Drops every group's state (this node may have missed changes): each reloads on next use. */
  forgetAll(): void {
    for (const conv of [...this.cache.keys(), ...this.loading.keys()]) this.forget(conv);
  }

  /** The group's state from the store (undefined when there is no such group), loaded once at a time. */
  private load(conv: string): Promise<GroupState | undefined> {
    let p = this.loading.get(conv);
    if (!p) {
      let loading: Promise<GroupState | undefined> | undefined = undefined;
      loading = (async () => {
        const id = parseGroupConvId(conv);
        const row = id === undefined ? undefined : await this.store.groups.getGroup(id);
        if (!row) return undefined;
        const members = row.dissolvedAt === null ? await this.store.groups.listMembers(conv) : [];
        const g = newState(row, members);
        // Not kept when `forget` came while it loaded: what it read may predate that change.
        if (this.loading.get(conv) === loading) this.cache.set(conv, g);
        return g;
      })().finally(() => {
        if (this.loading.get(conv) === loading) this.loading.delete(conv);
      });
      this.loading.set(conv, (p = loading!));
    }
    return p;
  }
}

function newState(row: GroupRow, members: readonly { userId: number; role: GroupRole; mutedUntil: number }[]): GroupState {
  const ids = members.map((m) => m.userId);
  return {
    conv: row.conv,
    row,
    members: ids,
    byUser: new Map(members.map((m) => [m.userId, { role: m.role, mutedUntil: m.mutedUntil }])),
    asAdmin: { members: ids, admin: true },
    asMember: { members: ids, admin: false },
    lock: Promise.resolve(),
    stale: false,
  };
}

/** Mirrors new members (role member, not muted) in the group's state, in place. */
export function addToState(g: GroupState, users: readonly number[]): void {
  for (const u of users) {
    g.members.push(u);
    g.byUser.set(u, { role: 'member', mutedUntil: 0 });
  }
}

/** Mirrors members leaving in the group's state, in place (the members array stays the same array). */
export function removeFromState(g: GroupState, users: readonly number[]): void {
  const gone = new Set(users);
  let kept = 0;
  for (const u of g.members) if (!gone.has(u)) g.members[kept++] = u;
  g.members.length = kept;
  for (const u of users) g.byUser.delete(u);
}

export function requireMember(g: GroupState, userId: number): GroupRole {
  const m = g.byUser.get(userId);
  if (!m) throw new WarblerError('not_member');
  return m.role;
}

export function requireAdmin(g: GroupState, userId: number): GroupRole {
  const role = requireMember(g, userId);
  if (!isAdmin(role)) throw new WarblerError('admin_required');
  return role;
}

export function requireOwner(g: GroupState, userId: number): MemberState {
  const role = requireMember(g, userId);
  if (role !== 'owner') throw new WarblerError('owner_required');
  return g.byUser.get(userId)!;
}
