import { directConvId, type RequestData, type ResultData, type User } from '@warbler/protocol';
import { RateBuckets } from '../auth/rate-buckets.js';
import { normalizeUsername } from '../auth/rules.js';
import type { Config } from '../config.js';
import { WarblerError } from '../errors.js';
import type { Store, UserRow } from '../store/store.js';
import { publicUser } from './accounts.js';

const HOUR = 3_600_000;
/** Usernames are made of these characters only: a query with others matches no username. */
const USERNAME_CHARS = /^[a-z0-9_.-]+$/;
/** Most conversations remembered as open to their first message (see `admitDirect`); then it starts over. */
const MAX_ADMITTED = 100_000;

/**
 * Finding other users, and the rules that keep a logged-in user from listing every account
 * (docs/protocol.md, "Finding users"):
 *
 * - a user's **contacts** are their friends and the members of the groups they are in;
 * - naming a **stranger** (any other user, or an id or username that belongs to nobody: the two are
 *   charged alike, so the budget tells nothing) costs one **lookup**: `user.get`, `friend.request`,
 *   `block.add`, adding to a group, and the first message of a one-to-one conversation; every
 *   `user.search` costs one too. A user has `directory.lookupBurst` lookups and regains
 *   `directory.lookupsPerHour`; past that, these ops get `rate_limited` and change nothing. Server
 *   admins pay nothing (they can list every account with the CLI anyway);
 * - `user.search` needs `directory.searchMinChars` characters and answers at most
 *   `directory.searchMaxResults` users;
 * - with `messages.directFrom` = `contacts`, only contacts may start a one-to-one conversation
 *   (`not_contact`); conversations that exist keep working.
 *
 * The budgets live in memory, per process: a restart refills them.
 */
export class Lookups {
  private readonly budget: RateBuckets;
  /** One-to-one conversations that exist or whose first message was admitted: later sends pass free. */
  private readonly admitted = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly config: Config,
  ) {
    const d = config.directory;
    this.budget = new RateBuckets(d.lookupBurst, (HOUR * d.lookupBurst) / d.lookupsPerHour);
  }

  /** Takes `units` lookups from `userId`'s budget, or throws `rate_limited` taking none. Server admins pay nothing. */
  private async spend(userId: number, units: number): Promise<void> {
    if (units === 0 || this.budget.capacity === 0) return;
    if ((await this.store.getUserById(userId))?.isAdmin) return;
    const wait = this.budget.take(String(userId), Date.now(), units);
    if (wait === Infinity)
      throw new WarblerError('rate_limited', `at most ${this.budget.capacity} users who are not your contacts at once`);
    if (wait > 0)
      throw new WarblerError('rate_limited', `too many lookups of users who are not your contacts; retry in ${Math.ceil(wait / 1000)} s`);
  }

  /** Which of `ids` are `userId`'s contacts (friends, group mates); `userId` itself counts as one. */
  private async contacts(userId: number, ids: readonly number[]): Promise<Set<number>> {
    const others = ids.filter((id) => id !== userId);
    const found = others.length > 0 ? await this.store.contacts.contactsAmong(userId, others) : new Set<number>();
    found.add(userId);
    return found;
  }

  /**
   * Charges `userId` one lookup per stranger among `ids` (repeats once), all or none: throws
   * `rate_limited` when the budget cannot pay for them all.
   */
  async chargeStrangers(userId: number, ids: readonly number[]): Promise<void> {
    if (this.budget.capacity === 0) return;
    const unique = [...new Set(ids)];
    const known = await this.contacts(userId, unique);
    await this.spend(userId, unique.filter((id) => !known.has(id)).length);
  }

  /**
   * Admits `userId`'s send to the one-to-one conversation `conv` with `peer`: free once the conversation
   * exists; its first message needs a contact when `messages.directFrom` is `contacts` (else
   * `not_contact`), and costs a lookup when the peer is a stranger.
   */
  async admitDirect(userId: number, peer: number, conv = directConvId(userId, peer)): Promise<void> {
    if (peer === userId || this.admitted.has(conv)) return;
    const free = this.budget.capacity === 0 && this.config.messages.directFrom === 'anyone';
    if (!free && !(await this.store.getConversation(conv))) {
      const contact = (await this.contacts(userId, [peer])).has(peer);
      if (!contact && this.config.messages.directFrom === 'contacts')
        throw new WarblerError('not_contact', 'this server lets only friends and group mates start a conversation');
      if (!contact) await this.spend(userId, 1);
    }
    if (this.admitted.size >= MAX_ADMITTED) this.admitted.clear();
    this.admitted.add(conv);
  }

  /** `user.get`: a user by id or username; unknown users and strangers cost a lookup alike. */
  async getUser(userId: number, query: RequestData<'user.get'>): Promise<User> {
    let row: UserRow | undefined;
    if (query.id !== undefined) row = await this.store.getUserById(query.id);
    else if (query.username !== undefined) {
      const u = normalizeUsername(query.username);
      row = u ? await this.store.getUserByUsername(u) : undefined;
    } else throw new WarblerError('invalid_frame', 'data: give id or username');
    if (!row || !(await this.contacts(userId, [row.id])).has(row.id)) await this.spend(userId, 1);
    if (!row) throw new WarblerError('user_not_found');
    return publicUser(row);
  }

  /**
   * `user.search`: users whose username starts with the query (trimmed, lowercased), by username, at
   * most `directory.searchMaxResults`; costs one lookup.
   */
  async search(userId: number, data: RequestData<'user.search'>): Promise<ResultData<'user.search'>> {
    const q = data.q.trim().toLowerCase();
    const { searchMinChars: min, searchMaxResults: max } = this.config.directory;
    if ([...q].length < min) throw new WarblerError('invalid_query', `the query needs at least ${min} characters`);
    await this.spend(userId, 1);
    if (!USERNAME_CHARS.test(q)) return { users: [] };
    return { users: await this.store.contacts.searchByUsername(q, Math.min(data.limit ?? max, max)) };
  }
}
