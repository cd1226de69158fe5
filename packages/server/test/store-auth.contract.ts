import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StoreConflictError, type NewUser } from '../src/store/store.js';
import type { NewInvite } from '../src/store/registration-store.js';
import type { StoreFixture } from './store.contract.js';

const invite = (codeHash: string, over: Partial<NewInvite> = {}): NewInvite => ({
  codeHash,
  note: null,
  maxUses: 2,
  createdAt: 1000,
  expiresAt: 10_000,
  createdBy: null,
  ...over,
});
const newUser = (username: string): NewUser => ({ username, displayName: username, passwordHash: 'h', isAdmin: false, createdAt: 1000 });
const rec = (key: string, count: number, at: number, expiresAt: number, until = 0) => ({ key, count, until, at, expiresAt });

/** The login-throttle and registration parts of the Store contract (`Store.authLimits`, `Store.registration`). */
export function storeAuthCases(fx: StoreFixture): void {
  const { fresh, user } = fx;

  describe('auth limits', () => {
    test('saveLimits writes, replaces and removes records; loadLimits gives the live ones by time', async (t) => {
      const store = await fresh(t);
      assert.deepEqual(await store.authLimits.loadLimits(0), []);
      await store.authLimits.saveLimits([rec('login:user:bob', 3, 200, 5000, 1200), rec('login:ip:10.0.0.1', 7, 100, 9000)], [], 100);
      assert.deepEqual(await store.authLimits.loadLimits(150), [
        rec('login:ip:10.0.0.1', 7, 100, 9000),
        rec('login:user:bob', 3, 200, 5000, 1200),
      ]);
      // Replaced by key; a removed key and an unknown one are fine.
      await store.authLimits.saveLimits([rec('login:user:bob', 4, 300, 6000, 2300)], ['login:ip:10.0.0.1', 'login:ip:nobody'], 300);
      assert.deepEqual(await store.authLimits.loadLimits(300), [rec('login:user:bob', 4, 300, 6000, 2300)]);
    });

    test('records past their expiry are neither loaded nor kept', async (t) => {
      const store = await fresh(t);
      await store.authLimits.saveLimits([rec('a', 1, 10, 100), rec('b', 1, 10, 1000)], [], 10);
      assert.deepEqual(
        (await store.authLimits.loadLimits(100)).map((r) => r.key),
        ['b'],
      );
      // The next write deletes what expired.
      await store.authLimits.saveLimits([], [], 2000);
      assert.deepEqual(await store.authLimits.loadLimits(0), []);
    });
  });

  describe('registration', () => {
    test('hasUsers is false on a fresh store, true after the first account', async (t) => {
      const store = await fresh(t);
      assert.equal(await store.registration.hasUsers(), false);
      await user(store);
      assert.equal(await store.registration.hasUsers(), true);
    });

    test('an invite admits maxUses accounts, each in the transaction that counts it; then used_up', async (t) => {
      const store = await fresh(t);
      const made = await store.registration.createInvite(invite('h1', { note: 'class 7b' }));
      assert.deepEqual(
        { ...made, id: 0 },
        { id: 0, note: 'class 7b', maxUses: 2, uses: 0, createdAt: 1000, expiresAt: 10_000, createdBy: null, revokedAt: null },
      );
      const a = await store.registration.registerWithInvite('h1', newUser('inv_a'), 2000);
      assert.ok('user' in a && a.inviteId === made.id);
      assert.equal((await store.getUserByUsername('inv_a'))?.id, a.user.id);
      // A taken username throws and uses nothing up.
      await assert.rejects(store.registration.registerWithInvite('h1', newUser('inv_a'), 2000), StoreConflictError);
      assert.equal((await store.registration.listInvites(10, 0))[0]!.uses, 1);
      assert.ok('user' in (await store.registration.registerWithInvite('h1', newUser('inv_b'), 2000)));
      assert.deepEqual(await store.registration.registerWithInvite('h1', newUser('inv_c'), 2000), { refused: 'used_up' });
      assert.equal(await store.getUserByUsername('inv_c'), undefined);
      assert.equal((await store.registration.listInvites(10, 0))[0]!.uses, 2);
    });

    test('unknown, revoked and expired invites admit nobody and change nothing', async (t) => {
      const store = await fresh(t);
      const r = await store.registration.createInvite(invite('rev'));
      await store.registration.createInvite(invite('old', { expiresAt: 5000 }));
      assert.deepEqual(await store.registration.registerWithInvite('nope', newUser('x_unknown'), 2000), { refused: 'unknown' });
      const revoked = await store.registration.revokeInvite(r.id, 3000);
      assert.equal(revoked?.revokedAt, 3000);
      assert.equal((await store.registration.revokeInvite(r.id, 4000))?.revokedAt, 3000, 'revoking again keeps the first time');
      assert.equal(await store.registration.revokeInvite(9999, 4000), undefined);
      assert.deepEqual(await store.registration.registerWithInvite('rev', newUser('x_revoked'), 2000), { refused: 'revoked' });
      assert.deepEqual(await store.registration.registerWithInvite('old', newUser('x_expired'), 5000), { refused: 'expired' });
      assert.equal(await store.registration.hasUsers(), false);
      assert.deepEqual(
        (await store.registration.listInvites(10, 0)).map((i) => i.uses),
        [0, 0],
      );
    });

    test('listInvites pages newest first', async (t) => {
      const store = await fresh(t);
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) ids.push((await store.registration.createInvite(invite(`p${i}`))).id);
      const first = await store.registration.listInvites(2, 0);
      assert.deepEqual(
        first.map((i) => i.id),
        [ids[4], ids[3]],
      );
      const next = await store.registration.listInvites(10, first.at(-1)!.id);
      assert.deepEqual(
        next.map((i) => i.id),
        [ids[2], ids[1], ids[0]],
      );
    });
  });
}
