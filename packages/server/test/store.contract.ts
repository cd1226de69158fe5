import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { StoreConflictError, type NewMessage, type Store, type UserRow } from '../src/store/store.js';
import { storeAdminCases } from './store-admin.contract.js';
import { storeAuthCases } from './store-auth.contract.js';
import { storeGroupCases } from './store-groups.contract.js';
import { storeContactCases } from './store-contacts.contract.js';
import { NO_USER, storeMessageCases } from './store-messages.contract.js';
import { appendAll } from './append-all.js';

/** What a Store implementation's test gives the contract: a fresh, empty store and its teardown. */
export interface OpenedStore {
  store: Store;
  /** Closes the store (it may already be closed) and deletes whatever it created. */
  cleanup: () => Promise<void>;
}

/** Helpers shared by the Store contract's test groups. */
export interface StoreFixture {
  /** A fresh migrated store, torn down after the test. */
  fresh(t: TestContext): Promise<Store>;
  /** A new user with a unique username unless one is given. */
  user(store: Store, username?: string, createdAt?: number): Promise<UserRow>;
  /** The direct conversation id of two users. */
  convOf(a: UserRow, b: UserRow): string;
  /** A message from `from` in the direct conversation of `from` and `to`. */
  msg(from: UserRow, to: UserRow, clientId: string, createdAt?: number, text?: string): NewMessage;
  /** The stored sequences of `conv`, ascending. */
  seqs(store: Store, conv: string): Promise<number[]>;
}

function storeFixture(open: () => Promise<OpenedStore>): StoreFixture {
  let n = 0;
  const convOf = (a: UserRow, b: UserRow): string => `d:${Math.min(a.id, b.id)}:${Math.max(a.id, b.id)}`;
  return {
    async fresh(t) {
      const { store, cleanup } = await open();
      t.after(cleanup);
      await store.migrate();
      return store;
    },
    user: (store, username = `user${++n}`, createdAt = 1000) =>
      store.createUser({ username, displayName: `Name ${username}`, passwordHash: `hash-${username}`, isAdmin: false, createdAt }),
    convOf,
    msg: (from, to, clientId, createdAt = 5000, text = clientId) => ({
      conv: convOf(from, to),
      members: [from.id, to.id],
      senderId: from.id,
      clientId,
      kind: 'text',
      body: JSON.stringify({ text }),
      createdAt,
    }),
    seqs: async (store, conv) => (await store.messagesAfter(conv, 0, 1000)).map((m) => m.seq),
  };
}

/** Registers the Store contract tests for one implementation; `open` gives a fresh store, migrated or not. */
export function storeContract(name: string, open: () => Promise<OpenedStore>): void {
  const fx = storeFixture(open);
  const { fresh, user, convOf, msg } = fx;

  describe(`Store contract: ${name}`, () => {
    describe('lifecycle', () => {
      test('migrate is idempotent: a second run keeps the data', async (t) => {
        const store = await fresh(t);
        const a = await user(store, 'alice');
        await store.migrate();
        await store.migrate();
        assert.deepEqual(await store.getUserById(a.id), a);
        assert.equal(await store.ready(), true);
      });

      test('close waits for pending work; afterwards operations reject and ready is false', async (t) => {
        const store = await fresh(t);
        const [a, b] = [await user(store), await user(store)];
        const pending = appendAll(store, [msg(a, b, 'before-close')]);
        await store.close();
        assert.equal((await pending)[0]!.seq, 1);
        assert.equal(await store.ready(), false);
        await assert.rejects(appendAll(store, [msg(a, b, 'after-close')]));
        await assert.rejects(store.getUserById(a.id));
        await assert.rejects(user(store));
        await assert.rejects(store.messagesAfter(convOf(a, b), 0, 10));
        await assert.rejects(store.revokeDevices(a.id, 'all', 1));
      });
    });

    describe('users', () => {
      test('createUser returns the row; lookups by id and username find it', async (t) => {
        const store = await fresh(t);
        const admin = await store.createUser({
          username: 'root',
          displayName: 'Root 你好',
          passwordHash: 'h1',
          isAdmin: true,
          createdAt: 42,
        });
        const plain = await user(store, 'bob');
        assert.ok(Number.isInteger(admin.id) && admin.id > 0);
        assert.notEqual(admin.id, plain.id);
        assert.deepEqual(admin, {
          id: admin.id,
          username: 'root',
          displayName: 'Root 你好',
          passwordHash: 'h1',
          isAdmin: true,
          createdAt: 42,
        });
        assert.deepEqual(await store.getUserById(admin.id), admin);
        assert.deepEqual(await store.getUserByUsername('root'), admin);
        assert.deepEqual(await store.getUserByUsername('bob'), plain);
        assert.equal(plain.isAdmin, false);
        await store.setPasswordHash(plain.id, 'h2');
        assert.equal((await store.getUserById(plain.id))?.passwordHash, 'h2');
        assert.equal((await store.getUserById(admin.id))?.passwordHash, 'h1');
      });

      test('a taken username throws StoreConflictError and changes nothing', async (t) => {
        const store = await fresh(t);
        const first = await user(store, 'carol');
        await assert.rejects(user(store, 'carol', 2000), (e) => e instanceof StoreConflictError);
        assert.deepEqual(await store.getUserByUsername('carol'), first);
      });

      test('createUsers makes users with their devices in one go, in order; a taken or repeated name creates nothing', async (t) => {
        const store = await fresh(t);
        const row = (username: string) => ({ username, displayName: username, passwordHash: '!', isAdmin: false, createdAt: 1000 });
        const dev = (tokenHash: string) => ({ name: 'bench', tokenHash, createdAt: 1000, expiresAt: 9000 });
        const made = await store.createUsers([row('bulk1'), row('bulk2'), row('bulk3')], [dev('t1'), undefined, dev('t3')]);
        assert.deepEqual(
          made.map((m) => m.user.username),
          ['bulk1', 'bulk2', 'bulk3'],
        );
        assert.equal(made[1]!.device, undefined);
        const d3 = await store.getDeviceByTokenHash('t3');
        assert.equal(d3?.userId, made[2]!.user.id);
        assert.equal(d3?.id, made[2]!.device?.id);
        assert.equal((await store.getUserByUsername('bulk2'))?.id, made[1]!.user.id);

        await assert.rejects(store.createUsers([row('bulk4'), row('bulk1')], [dev('t4'), dev('t5')]), StoreConflictError);
        await assert.rejects(store.createUsers([row('bulk6'), row('bulk6')]), StoreConflictError);
        assert.equal(await store.getUserByUsername('bulk4'), undefined, 'the rolled-back batch created no user');
        assert.equal(await store.getUserByUsername('bulk6'), undefined);
        assert.equal(await store.getDeviceByTokenHash('t4'), undefined, 'nor any device');
      });

      test('not found: undefined for one user, unknown ids left out of getUsersByIds', async (t) => {
        const store = await fresh(t);
        const [a, b] = [await user(store), await user(store)];
        assert.equal(await store.getUserById(NO_USER), undefined);
        assert.equal(await store.getUserByUsername('nobody'), undefined);
        assert.deepEqual(await store.getUsersByIds([]), []);
        assert.deepEqual(await store.getUsersByIds([NO_USER]), []);
        const found = await store.getUsersByIds([b.id, NO_USER, a.id]);
        assert.deepEqual(
          found.sort((x, y) => x.id - y.id),
          [a, b],
        );
      });
    });

    describe('devices', () => {
      const device = (store: Store, u: UserRow, token: string, createdAt: number) =>
        store.createDevice({ userId: u.id, name: `dev-${token}`, tokenHash: token, createdAt, expiresAt: createdAt + 1000 });

      test('createDevice returns the row; getDeviceByTokenHash finds it; touchDevices moves lastSeenAt in one call', async (t) => {
        const store = await fresh(t);
        const a = await user(store);
        const d = await device(store, a, 'tok-a', 100);
        assert.deepEqual(d, {
          id: d.id,
          userId: a.id,
          name: 'dev-tok-a',
          tokenHash: 'tok-a',
          createdAt: 100,
          expiresAt: 1100,
          lastSeenAt: 100,
          revokedAt: null,
        });
        assert.deepEqual(await store.getDeviceByTokenHash('tok-a'), d);
        assert.equal(await store.getDeviceByTokenHash('tok-unknown'), undefined);
        const e = await device(store, a, 'tok-e', 100);
        await store.touchDevices([
          { deviceId: d.id, at: 555 },
          { deviceId: e.id, at: 777 },
          { deviceId: 999_999, at: 1 },
        ]);
        assert.equal((await store.getDeviceByTokenHash('tok-a'))?.lastSeenAt, 555);
        assert.equal((await store.getDeviceByTokenHash('tok-e'))?.lastSeenAt, 777);
        await store.touchDevices([{ deviceId: d.id, at: 300 }]);
        assert.equal((await store.getDeviceByTokenHash('tok-a'))?.lastSeenAt, 555, 'lastSeenAt never moves back');
        await store.touchDevices([]);
      });

      test('listDevices: only the user’s live devices, newest first; [] for none', async (t) => {
        const store = await fresh(t);
        const [a, b] = [await user(store), await user(store)];
        const d1 = await device(store, a, 't1', 100);
        const d2 = await device(store, a, 't2', 200);
        const d3 = await device(store, a, 't3', 300);
        await device(store, b, 'tb', 400);
        assert.deepEqual(await store.revokeDevices(a.id, [d2.id], 500), [d2.id]);
        assert.deepEqual(
          (await store.listDevices(a.id)).map((d) => d.id),
          [d3.id, d1.id],
        );
        assert.deepEqual(await store.listDevices(NO_USER), []);
      });

      test('setDeviceToken replaces the hash: the old one is no longer found', async (t) => {
        const store = await fresh(t);
        const d = await device(store, await user(store), 'old', 100);
        await store.setDeviceToken(d.id, 'new', 9999);
        assert.equal(await store.getDeviceByTokenHash('old'), undefined);
        assert.deepEqual(await store.getDeviceByTokenHash('new'), { ...d, tokenHash: 'new', expiresAt: 9999 });
      });

      test('revokeDevices by id: only the user’s live devices listed, returns those, idempotent', async (t) => {
        const store = await fresh(t);
        const [a, b] = [await user(store), await user(store)];
        const [a1, a2, a3] = [await device(store, a, 'a1', 1), await device(store, a, 'a2', 2), await device(store, a, 'a3', 3)];
        const b1 = await device(store, b, 'b1', 4);
        const revoked = await store.revokeDevices(a.id, [a1.id, a3.id, b1.id, NO_USER], 777);
        assert.deepEqual(
          revoked.sort((x, y) => x - y),
          [a1.id, a3.id],
        );
        assert.equal((await store.getDeviceByTokenHash('a1'))?.revokedAt, 777);
        assert.equal((await store.getDeviceByTokenHash('a2'))?.revokedAt, null);
        assert.equal((await store.getDeviceByTokenHash('b1'))?.revokedAt, null, 'another user’s device is untouched');
        assert.deepEqual(await store.revokeDevices(a.id, [a1.id, a3.id], 888), []);
        assert.equal((await store.getDeviceByTokenHash('a1'))?.revokedAt, 777, 'a second revoke keeps the first time');
        assert.deepEqual(
          (await store.listDevices(a.id)).map((d) => d.id),
          [a2.id],
        );
      });

      test("revokeDevices 'all' spares the except device and returns only what it revoked", async (t) => {
        const store = await fresh(t);
        const a = await user(store);
        const [a1, a2, a3] = [await device(store, a, 'a1', 1), await device(store, a, 'a2', 2), await device(store, a, 'a3', 3)];
        await store.revokeDevices(a.id, [a1.id], 10);
        const revoked = await store.revokeDevices(a.id, 'all', 20, a2.id);
        assert.deepEqual(revoked, [a3.id], 'a1 was already revoked, a2 is spared');
        assert.deepEqual(
          (await store.listDevices(a.id)).map((d) => d.id),
          [a2.id],
        );
        assert.deepEqual(await store.revokeDevices(a.id, 'all', 30, a2.id), []);
        assert.deepEqual(await store.revokeDevices(a.id, 'all', 40), [a2.id]);
        assert.deepEqual(await store.listDevices(a.id), []);
      });
    });

    storeMessageCases(fx);
    storeGroupCases(fx);
    storeContactCases(fx);
    storeAdminCases(fx);
    storeAuthCases(fx);
  });
}
