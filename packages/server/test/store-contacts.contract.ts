import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EventsFor } from '../src/store/contact-store.js';
import type { NewMessage, Store, UserRow } from '../src/store/store.js';
import { NO_USER } from './store-messages.contract.js';
import type { StoreFixture } from './store.contract.js';

let n = 0;
/** An account event for `owner`'s log recording `what`. */
const ev = (owner: UserRow, what: string): NewMessage => ({
  conv: `u:${owner.id}`,
  members: [owner.id],
  senderId: owner.id,
  clientId: `contract-${++n}`,
  kind: 'account',
  body: JSON.stringify({ event: { type: what } }),
  createdAt: 5000,
});
/** An events callback that records the outcomes it was called with and returns one event for `owner` on `when`. */
function recorder<O>(owner: UserRow, when: (o: O) => boolean): EventsFor<O> & { seen: O[] } {
  const seen: O[] = [];
  const events = (o: O): NewMessage[] => {
    seen.push(o);
    return when(o) ? [ev(owner, String(o))] : [];
  };
  return Object.assign(events, { seen });
}
const none = (): NewMessage[] => [];
const logTypes = async (store: Store, u: UserRow): Promise<string[]> =>
  (await store.messagesAfter(`u:${u.id}`, 0, 100)).map((m) => (JSON.parse(m.body) as { event: { type: string } }).event.type);
const friendIds = async (store: Store, u: UserRow): Promise<number[]> =>
  (await store.contacts.listFriends(u.id, 0, 100)).map((f) => f.user.id);

/** The contacts part of the Store contract (`Store.contacts`); `storeContract` registers it. */
export function storeContactCases(fx: StoreFixture): void {
  const { fresh, user } = fx;

  describe('contacts', () => {
    test('settings default to approval and contacts; updateSettings changes only what it is given', async (t) => {
      const store = await fresh(t);
      const [a, b] = [await user(store), await user(store)];
      const s = await store.contacts.settings([a.id, b.id, NO_USER]);
      assert.deepEqual([...s.keys()].sort(), [a.id, b.id].sort(), 'unknown ids are left out');
      assert.deepEqual(s.get(a.id), { friendPolicy: 'approval', presence: 'contacts' });
      const events = recorder(a, (o) => o !== undefined);
      const r = await store.contacts.updateSettings(a.id, { presence: 'nobody' }, events);
      assert.deepEqual(r.outcome, { friendPolicy: 'approval', presence: 'nobody' });
      assert.equal(r.appended.length, 1);
      assert.equal(r.appended[0]!.result.conv, `u:${a.id}`);
      assert.deepEqual((await store.contacts.settings([a.id])).get(a.id), { friendPolicy: 'approval', presence: 'nobody' });
      assert.deepEqual((await store.contacts.settings([b.id])).get(b.id), { friendPolicy: 'approval', presence: 'contacts' });
      const missing = await store.contacts.updateSettings(NO_USER, { friendPolicy: 'nobody' }, none);
      assert.equal(missing.outcome, undefined);
    });

    test('updateProfile sets and clears avatar and bio; user rows carry them only when set', async (t) => {
      const store = await fresh(t);
      const a = await user(store);
      const r = await store.contacts.updateProfile(a.id, { displayName: 'Ann 安', avatar: 'https://x/a.png', bio: 'hi\nthere' }, none);
      assert.deepEqual(r.outcome, { id: a.id, username: a.username, displayName: 'Ann 安', avatar: 'https://x/a.png', bio: 'hi\nthere' });
      assert.deepEqual(await store.getUserById(a.id), { ...a, displayName: 'Ann 安', avatar: 'https://x/a.png', bio: 'hi\nthere' });
      await store.contacts.updateProfile(a.id, { avatar: null }, none);
      assert.deepEqual(await store.getUserById(a.id), { ...a, displayName: 'Ann 安', bio: 'hi\nthere' });
      assert.deepEqual((await store.contacts.profiles([a.id, NO_USER])).get(a.id), {
        id: a.id,
        username: a.username,
        displayName: 'Ann 安',
        bio: 'hi\nthere',
      });
      assert.equal((await store.contacts.updateProfile(NO_USER, { bio: 'x' }, none)).outcome, undefined);
    });

    test('a change and its events commit together: an events callback that throws rolls the change back', async (t) => {
      const store = await fresh(t);
      const [a, b] = [await user(store), await user(store)];
      await assert.rejects(
        store.contacts.requestFriend(a.id, b.id, 'hi', 10, () => {
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.deepEqual(await store.contacts.listRequests(b.id, 10), { incoming: [], outgoing: [] });
      const events = recorder(b, (o) => o === 'pending');
      const r = await store.contacts.requestFriend(a.id, b.id, 'hi', 10, events);
      assert.deepEqual([r.outcome, events.seen], ['pending', ['pending']]);
      assert.deepEqual(await logTypes(store, b), ['pending'], 'the event is in the log, with the change');
      const reqs = await store.contacts.listRequests(b.id, 10);
      assert.deepEqual(
        reqs.incoming.map((x) => [x.user.id, x.message, x.createdAt]),
        [[a.id, 'hi', 10]],
      );
      assert.deepEqual(
        (await store.contacts.listRequests(a.id, 10)).outgoing.map((x) => x.user.id),
        [b.id],
      );
    });

    test('requestFriend: pending, already pending, mutual request makes friends, policies anyone and nobody, unknown user', async (t) => {
      const store = await fresh(t);
      const [a, b, c, d] = [await user(store), await user(store), await user(store), await user(store)];
      const req = (from: UserRow, to: UserRow) => store.contacts.requestFriend(from.id, to.id, null, 20, none).then((r) => r.outcome);
      assert.equal(await req(a, b), 'pending');
      assert.equal(await req(a, b), 'already_pending');
      assert.equal(await req(b, a), 'friends', 'their request answers mine');
      assert.deepEqual(await friendIds(store, a), [b.id]);
      assert.deepEqual(await friendIds(store, b), [a.id]);
      assert.deepEqual(await store.contacts.listRequests(a.id, 10), { incoming: [], outgoing: [] });
      assert.equal(await req(a, b), 'already_friends');

      await store.contacts.updateSettings(c.id, { friendPolicy: 'anyone' }, none);
      assert.equal(await req(a, c), 'friends');
      assert.deepEqual(await friendIds(store, c), [a.id]);

      await store.contacts.updateSettings(d.id, { friendPolicy: 'nobody' }, none);
      assert.equal(await req(a, d), 'closed');
      assert.deepEqual(await store.contacts.listRequests(d.id, 10), { incoming: [], outgoing: [] });
      assert.equal((await store.contacts.requestFriend(a.id, NO_USER, null, 20, none)).outcome, 'no_user');
    });

    test('accept and decline act only on a pending request; accept makes friends both ways and clears both requests', async (t) => {
      const store = await fresh(t);
      const [a, b, c] = [await user(store), await user(store), await user(store)];
      assert.equal((await store.contacts.acceptRequest(a.id, b.id, 30, none)).outcome, 'not_found');
      assert.equal((await store.contacts.declineRequest(a.id, b.id, none)).outcome, 'not_found');
      await store.contacts.requestFriend(a.id, b.id, null, 20, none);
      await store.contacts.requestFriend(c.id, b.id, null, 21, none);
      const events = recorder(b, (o) => o === 'accepted');
      const acc = await store.contacts.acceptRequest(a.id, b.id, 30, events);
      assert.deepEqual([acc.outcome, acc.appended.length], ['accepted', 1]);
      assert.deepEqual(
        (await store.contacts.listFriends(a.id, 0, 10)).map((f) => [f.user.id, f.since]),
        [[b.id, 30]],
      );
      assert.deepEqual(await friendIds(store, b), [a.id]);
      assert.equal((await store.contacts.declineRequest(c.id, b.id, none)).outcome, 'declined');
      assert.deepEqual(await store.contacts.listRequests(b.id, 10), { incoming: [], outgoing: [] });
      assert.deepEqual(await friendIds(store, c), []);
      assert.equal((await store.contacts.removeFriend(b.id, a.id, none)).outcome, 'removed');
      assert.equal((await store.contacts.removeFriend(b.id, a.id, none)).outcome, 'not_friends');
      assert.deepEqual(await friendIds(store, a), []);
    });

    test('block ends a friendship and deletes requests both ways; blocked requests are refused; unblock restores nothing', async (t) => {
      const store = await fresh(t);
      const [a, b, c] = [await user(store), await user(store), await user(store)];
      await store.contacts.requestFriend(a.id, b.id, null, 20, none);
      await store.contacts.acceptRequest(a.id, b.id, 21, none);
      await store.contacts.requestFriend(c.id, a.id, null, 22, none);
      assert.equal((await store.contacts.requestFriend(a.id, c.id, null, 23, none)).outcome, 'friends');
      assert.equal((await store.contacts.block(a.id, b.id, 40, none)).outcome, 'blocked_unfriended');
      assert.deepEqual(await friendIds(store, a), [c.id]);
      assert.deepEqual(await friendIds(store, b), []);
      const d = await user(store);
      await store.contacts.requestFriend(d.id, a.id, null, 24, none);
      await store.contacts.requestFriend(b.id, d.id, null, 25, none);
      assert.equal((await store.contacts.block(d.id, a.id, 26, none)).outcome, 'blocked');
      assert.equal((await store.contacts.block(b.id, d.id, 27, none)).outcome, 'blocked');
      assert.deepEqual(await store.contacts.listRequests(d.id, 10), { incoming: [], outgoing: [] }, 'requests both ways are gone');
      assert.equal((await store.contacts.block(a.id, b.id, 41, none)).outcome, 'already_blocked');
      assert.equal((await store.contacts.block(a.id, NO_USER, 41, none)).outcome, 'no_user');
      assert.equal((await store.contacts.requestFriend(b.id, a.id, null, 50, none)).outcome, 'blocked');
      assert.equal((await store.contacts.requestFriend(a.id, b.id, null, 50, none)).outcome, 'blocking');

      // c and a had become friends (a answered c's request); blocking c ends that too.
      assert.equal((await store.contacts.block(c.id, a.id, 60, none)).outcome, 'blocked_unfriended');
      assert.equal((await store.contacts.block(b.id, c.id, 61, none)).outcome, 'blocked');
      assert.deepEqual(
        (await store.contacts.allBlocks()).map((x) => [x.blocker, x.blocked]).sort(),
        [
          [a.id, b.id],
          [d.id, a.id],
          [b.id, d.id],
          [b.id, c.id],
          [c.id, a.id],
        ].sort(),
      );
      assert.deepEqual(
        (await store.contacts.listBlocked(a.id, 0, 10)).map((x) => [x.user.id, x.since]),
        [[b.id, 40]],
      );
      assert.equal((await store.contacts.unblock(a.id, b.id, none)).outcome, 'unblocked');
      assert.equal((await store.contacts.unblock(a.id, b.id, none)).outcome, 'not_blocked');
      assert.deepEqual(await friendIds(store, a), []);
      assert.equal((await store.contacts.requestFriend(b.id, a.id, null, 70, none)).outcome, 'pending');
    });

    test('lists page by ascending user id', async (t) => {
      const store = await fresh(t);
      const a = await user(store);
      const others = [await user(store), await user(store), await user(store)];
      const ids = others.map((o) => o.id).sort((x, y) => x - y);
      await store.contacts.updateSettings(a.id, { friendPolicy: 'anyone' }, none);
      for (const o of others) await store.contacts.requestFriend(o.id, a.id, null, 1, none);
      assert.deepEqual(
        (await store.contacts.listFriends(a.id, 0, 2)).map((x) => x.user.id),
        ids.slice(0, 2),
      );
      assert.deepEqual(
        (await store.contacts.listFriends(a.id, ids[1]!, 2)).map((x) => x.user.id),
        ids.slice(2),
      );
      for (const o of others) await store.contacts.block(a.id, o.id, 4, none);
      assert.deepEqual(await friendIds(store, a), []);
      assert.deepEqual(
        (await store.contacts.listBlocked(a.id, 0, 2)).map((x) => x.user.id),
        ids.slice(0, 2),
      );
      assert.deepEqual(
        (await store.contacts.listBlocked(a.id, ids[1]!, 2)).map((x) => x.user.id),
        ids.slice(2),
      );
    });

    test('searchByUsername: prefix matches by username order, at most limit; _ and % are literal', async (t) => {
      const store = await fresh(t);
      for (const name of ['pre_one', 'pre_two', 'prefix', 'preaxb', 'other']) await user(store, name);
      const names = async (q: string, limit = 10) => (await store.contacts.searchByUsername(q, limit)).map((u) => u.username);
      assert.deepEqual(await names('pre'), ['pre_one', 'pre_two', 'preaxb', 'prefix']);
      assert.deepEqual(await names('pre', 2), ['pre_one', 'pre_two']);
      assert.deepEqual(await names('pre_'), ['pre_one', 'pre_two'], '_ is not a wildcard');
      assert.deepEqual(await names('pre%'), []);
      assert.deepEqual(await names('prefix'), ['prefix']);
      assert.deepEqual(await names('zzz'), []);
    });

    test('contactsAmong finds friends; lastSeen is the latest device time', async (t) => {
      const store = await fresh(t);
      const [a, b, c] = [await user(store), await user(store), await user(store)];
      await store.contacts.requestFriend(a.id, b.id, null, 1, none);
      await store.contacts.acceptRequest(a.id, b.id, 2, none);
      assert.deepEqual([...(await store.contacts.contactsAmong(a.id, [b.id, c.id, NO_USER]))], [b.id]);
      assert.deepEqual([...(await store.contacts.contactsAmong(c.id, [a.id, b.id]))], []);
      // Group mates count too: that path needs a group, which the groups store creates (its own contract).
      const d1 = await store.createDevice({ userId: a.id, name: 'd1', tokenHash: 'ls-1', createdAt: 100, expiresAt: 9999 });
      await store.createDevice({ userId: a.id, name: 'd2', tokenHash: 'ls-2', createdAt: 200, expiresAt: 9999 });
      await store.touchDevices([{ deviceId: d1.id, at: 300 }]);
      const seen = await store.contacts.lastSeen([a.id, b.id]);
      assert.deepEqual([...seen], [[a.id, 300]]);
    });
  });
}
