import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NewMessage } from '../src/store/store.js';
import { NO_USER } from './store-messages.contract.js';
import type { StoreFixture } from './store.contract.js';

const none = (): NewMessage[] => [];
const device = (userId: number, n: string) => ({ userId, name: n, tokenHash: `hash-${n}`.padEnd(64, '0'), createdAt: 1, expiresAt: 9e12 });

/** The admin part of the Store contract (`Store.admin`, `Store.audit`); `storeContract` registers it. */
export function storeAdminCases(fx: StoreFixture): void {
  const { fresh, user } = fx;

  describe('admin: API keys', () => {
    test('a key is found by its hash, listed by id, revoked once; last use never moves back', async (t) => {
      const store = await fresh(t);
      const a = await store.admin.createApiKey({
        name: 'ops',
        scopes: ['users:read', 'audit:read'],
        keyHash: 'a'.repeat(64),
        createdAt: 10,
      });
      const b = await store.admin.createApiKey({ name: '', scopes: ['metrics:read'], keyHash: 'b'.repeat(64), createdAt: 11 });
      assert.deepEqual(await store.admin.apiKeyByHash('a'.repeat(64)), a);
      assert.deepEqual(a, {
        id: a.id,
        name: 'ops',
        scopes: ['users:read', 'audit:read'],
        keyHash: 'a'.repeat(64),
        createdAt: 10,
        lastUsedAt: null,
        revokedAt: null,
      });
      assert.equal(await store.admin.apiKeyByHash('c'.repeat(64)), undefined);
      assert.deepEqual(
        (await store.admin.listApiKeys()).map((k) => k.id),
        [a.id, b.id],
      );
      await store.admin.touchApiKey(a.id, 50);
      await store.admin.touchApiKey(a.id, 40);
      assert.equal((await store.admin.apiKeyByHash('a'.repeat(64)))?.lastUsedAt, 50);
      assert.equal(await store.admin.revokeApiKey(a.id, 60), true);
      assert.equal(await store.admin.revokeApiKey(a.id, 70), false, 'once');
      assert.equal(await store.admin.revokeApiKey(NO_USER, 70), false);
      assert.equal((await store.admin.apiKeyByHash('a'.repeat(64)))?.revokedAt, 60, 'a revoked key is still found, as revoked');
      assert.equal((await store.admin.apiKeyByHash('b'.repeat(64)))?.revokedAt, null);
    });
  });

  describe('admin: account states', () => {
    test('setDisabled revokes every device and records a change; again keeps its first time; enabling clears it', async (t) => {
      const store = await fresh(t);
      const [a, b] = [await user(store), await user(store)];
      await store.createDevice(device(a.id, 'a1'));
      await store.createDevice(device(b.id, 'b1'));
      const before = await store.admin.lastAccountChange();
      const off = await store.admin.setDisabled(a.id, 100);
      assert.equal(off?.disabledAt, 100);
      assert.equal((await store.getUserById(a.id))?.disabledAt, 100);
      assert.deepEqual(await store.listDevices(a.id), [], 'devices revoked');
      assert.equal((await store.listDevices(b.id)).length, 1, 'others untouched');
      assert.equal((await store.admin.setDisabled(a.id, 200))?.disabledAt, 100);
      const changes = await store.admin.accountChangesAfter(before, 10);
      assert.deepEqual(
        changes.map((c) => [c.userId, c.kind, c.at]),
        [
          [a.id, 'disabled', 100],
          [a.id, 'disabled', 200],
        ],
      );
      assert.equal(await store.admin.lastAccountChange(), changes[1]!.id);
      const on = await store.admin.setDisabled(a.id, null);
      assert.equal(on?.disabledAt, undefined);
      assert.equal(await store.admin.lastAccountChange(), changes[1]!.id, 'enabling closes no session: no change');
      assert.equal(await store.admin.setDisabled(NO_USER, 100), undefined);
    });

    test('resetPassword sets the hash, revokes every device and records a change; unknown is false', async (t) => {
      const store = await fresh(t);
      const a = await user(store);
      await store.createDevice(device(a.id, 'a1'));
      assert.equal(await store.admin.resetPassword(a.id, 'new-hash', 5), true);
      assert.equal((await store.getUserById(a.id))?.passwordHash, 'new-hash');
      assert.deepEqual(await store.listDevices(a.id), []);
      assert.deepEqual(
        (await store.admin.accountChangesAfter(0, 10)).map((c) => c.kind),
        ['password'],
      );
      assert.equal(await store.admin.resetPassword(NO_USER, 'x', 5), false);
    });

    test('deleteUser leaves a tombstone: not found, name free, data and devices gone, requests gone, ties left for the server', async (t) => {
      const store = await fresh(t);
      const [a, b, c] = [await user(store, 'doomed'), await user(store), await user(store)];
      await store.createDevice(device(a.id, 'a1'));
      await store.contacts.requestFriend(a.id, b.id, 'hi', 1, none);
      await store.contacts.requestFriend(c.id, a.id, null, 1, none);
      await store.contacts.block(c.id, a.id, 2, none);
      await store.contacts.updateProfile(a.id, { bio: 'about me', avatar: 'https://x/a.png' }, none);
      assert.deepEqual(await store.admin.unfinishedDeletions(), [], 'only deleted accounts');

      assert.equal(await store.admin.deleteUser(a.id, 7), true);
      assert.equal(await store.admin.deleteUser(a.id, 8), false, 'once');
      assert.equal(await store.getUserById(a.id), undefined);
      assert.equal(await store.getUserByUsername('doomed'), undefined);
      assert.deepEqual(await store.getUsersByIds([a.id, b.id]), [b]);
      assert.equal(await store.admin.setDisabled(a.id, 9), undefined, 'a deleted account cannot be disabled');
      const profile = (await store.contacts.profiles([a.id])).get(a.id);
      assert.deepEqual(profile, { id: a.id, username: `~${a.id}`, displayName: '' }, 'name, avatar and bio cleared');
      assert.deepEqual(await store.listDevices(a.id), []);
      assert.deepEqual((await store.contacts.listRequests(b.id, 10)).incoming, []);
      assert.deepEqual((await store.contacts.listRequests(c.id, 10)).outgoing, []);
      assert.equal((await store.contacts.requestFriend(b.id, a.id, null, 3, none)).outcome, 'no_user');
      assert.equal((await store.contacts.block(b.id, a.id, 3, none)).outcome, 'no_user');
      assert.deepEqual(
        (await store.admin.accountChangesAfter(0, 10)).map((x) => [x.userId, x.kind]),
        [[a.id, 'deleted']],
      );
      const again = await user(store, 'doomed');
      assert.notEqual(again.id, a.id, 'the username is free');
      assert.deepEqual(
        (await store.admin.listUsers(0, 10)).map((u) => u.id),
        [b.id, c.id, again.id],
      );

      // The block (in-memory state elsewhere) is left for the server to end: the deletion is unfinished.
      assert.deepEqual(await store.admin.unfinishedDeletions(), [a.id]);
      const removed = await store.contacts.removeUser(a.id, none);
      assert.deepEqual(removed.outcome, { friends: [], blocks: [{ blocker: c.id, blocked: a.id }] });
      assert.deepEqual(await store.admin.unfinishedDeletions(), []);
    });

    test('account changes page by id and are pruned by time', async (t) => {
      const store = await fresh(t);
      const users = [await user(store), await user(store), await user(store)];
      for (const [i, u] of users.entries()) await store.admin.setDisabled(u.id, 100 * (i + 1));
      const all = await store.admin.accountChangesAfter(0, 10);
      assert.deepEqual(
        (await store.admin.accountChangesAfter(all[0]!.id, 1)).map((c) => c.userId),
        [users[1]!.id],
      );
      await store.admin.pruneAccountChanges(250);
      assert.deepEqual(
        (await store.admin.accountChangesAfter(0, 10)).map((c) => c.at),
        [300],
      );
      assert.equal(await store.admin.lastAccountChange(), all[2]!.id);
    });

    test('contacts.removeUser ends friendships, requests and blocks both ways, with the events for the friends', async (t) => {
      const store = await fresh(t);
      const [a, b, c, d] = [await user(store), await user(store), await user(store), await user(store)];
      await store.contacts.updateSettings(b.id, { friendPolicy: 'anyone' }, none);
      assert.equal((await store.contacts.requestFriend(a.id, b.id, null, 1, none)).outcome, 'friends');
      await store.contacts.requestFriend(a.id, c.id, null, 1, none);
      await store.contacts.block(a.id, d.id, 1, none);
      await store.contacts.block(d.id, a.id, 1, none);
      const r = await store.contacts.removeUser(a.id, (o) =>
        o.friends.map((f) => ({
          conv: `u:${f}`,
          members: [f],
          senderId: a.id,
          clientId: `gone-${f}`,
          kind: 'account',
          body: '{}',
          createdAt: 3,
        })),
      );
      assert.deepEqual(r.outcome, {
        friends: [b.id],
        blocks: [
          { blocker: a.id, blocked: d.id },
          { blocker: d.id, blocked: a.id },
        ].sort((x, y) => x.blocker - y.blocker),
      });
      assert.deepEqual(
        r.appended.map((x) => x.result.conv),
        [`u:${b.id}`],
      );
      assert.deepEqual(await store.contacts.listFriends(b.id, 0, 10), []);
      assert.deepEqual((await store.contacts.listRequests(c.id, 10)).incoming, []);
      assert.deepEqual(await store.contacts.listBlocked(d.id, 0, 10), []);
      assert.deepEqual((await store.contacts.removeUser(a.id, none)).outcome, { friends: [], blocks: [] }, 'again: nothing');
    });
  });

  describe('audit', () => {
    test('append returns the last id; query filters and pages newest first; prune drops the old and the excess', async (t) => {
      const store = await fresh(t);
      assert.equal(await store.audit.append([]), 0);
      const last = await store.audit.append([
        { at: 10, event: 'login', userId: 1, ip: '10.0.0.1', deviceId: 3 },
        { at: 20, event: 'login.failed', detail: { reason: 'unknown_user' } },
        { at: 30, event: 'user.disable', userId: 1, actor: 'key:4' },
        { at: 40, event: 'login', userId: 2 },
      ]);
      const all = await store.audit.query({ limit: 10 });
      assert.equal(all[0]!.id, last);
      assert.deepEqual(all[3], { id: all[3]!.id, at: 10, event: 'login', userId: 1, ip: '10.0.0.1', deviceId: 3 });
      assert.deepEqual(all[2]!.detail, { reason: 'unknown_user' });
      const at = async (f: Parameters<typeof store.audit.query>[0]) => (await store.audit.query(f)).map((e) => e.at);
      assert.deepEqual(await at({ limit: 10, userId: 1 }), [30, 10]);
      assert.deepEqual(await at({ limit: 10, events: ['login', 'login.failed'] }), [40, 20, 10]);
      assert.deepEqual(await at({ limit: 10, since: 20, until: 40 }), [30, 20]);
      assert.deepEqual(await at({ limit: 2, before: all[1]!.id }), [20, 10]);
      assert.deepEqual(await at({ limit: 1 }), [40]);

      assert.equal(await store.audit.prune(15, 10), 1, 'older than 15');
      assert.equal(await store.audit.prune(0, 2), 1, 'keep the newest 2');
      assert.deepEqual(await at({ limit: 10 }), [40, 30]);
    });
  });
}
