import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GroupEventDraft } from '../src/store/group-store.js';
import type { Store, UserRow } from '../src/store/store.js';
import { NO_USER } from './store-messages.contract.js';
import type { StoreFixture } from './store.contract.js';

let n = 0;
/** A `group` event draft from `sender`. */
const ev = (sender: UserRow, type: string, createdAt = 10_000): GroupEventDraft => ({
  senderId: sender.id,
  clientId: `sys:test-${++n}`,
  body: JSON.stringify({ event: { type, actor: sender.id } }),
  createdAt,
});

/** The group part of the Store contract; `storeContract` registers it. */
export function storeGroupCases(fx: StoreFixture): void {
  const { fresh, user, seqs } = fx;

  /** A group owned by `owner` with `members`, created at time 1000. */
  const newGroup = (store: Store, owner: UserRow, members: UserRow[]) =>
    store.groups.createGroup(
      { name: 'G', avatar: null, description: 'about', ownerId: owner.id, joinPolicy: 'open', createdAt: 1000 },
      members.map((m) => m.id),
      ev(owner, 'created', 1000),
    );
  const roles = async (store: Store, conv: string) => (await store.groups.listMembers(conv)).map((m) => [m.userId, m.role, m.mutedUntil]);

  describe('groups', () => {
    test('createGroup makes the group, its conversation, its members with roles and its first event, all at once', async (t) => {
      const store = await fresh(t);
      const [a, b, c] = [await user(store), await user(store), await user(store)];
      const { group, event } = await newGroup(store, a, [b, c, b, a]);
      assert.equal(group.conv, `g:${group.id}`);
      assert.deepEqual(await store.groups.getGroup(group.id), group);
      assert.deepEqual(
        [
          group.name,
          group.description,
          group.avatar,
          group.announcement,
          group.ownerId,
          group.joinPolicy,
          group.mutedAll,
          group.dissolvedAt,
        ],
        ['G', 'about', null, null, a.id, 'open', false, null],
      );
      assert.deepEqual([event.conv, event.seq, event.duplicate], [group.conv, 1, false]);
      assert.deepEqual(await roles(store, group.conv), [
        [a.id, 'owner', 0],
        [b.id, 'member', 0],
        [c.id, 'member', 0],
      ]);
      assert.deepEqual(await store.getConversation(group.conv), { conv: group.conv, kind: 'group', lastSeq: 1, updatedAt: 1000 });
      const [first] = await store.messagesAfter(group.conv, 0, 10);
      assert.deepEqual(
        [first!.kind, first!.senderId, JSON.parse(first!.body)],
        ['group', a.id, { event: { type: 'created', actor: a.id } }],
      );
      assert.equal(await store.groups.getGroup(group.id + 1000), undefined);
    });

    test('createGroup with a member who is not a user creates nothing', async (t) => {
      const store = await fresh(t);
      const a = await user(store);
      await assert.rejects(
        store.groups.createGroup(
          { name: 'G', avatar: null, description: null, ownerId: a.id, joinPolicy: 'open', createdAt: 1 },
          [NO_USER],
          ev(a, 'created'),
        ),
      );
      assert.deepEqual(await store.memberConversations(a.id), []);
      assert.deepEqual(await store.groups.groupSummaries([1, 2, 3]), []);
    });

    test('every change appends its event in the group sequence; add, remove, role, transfer and mute change the rows', async (t) => {
      const store = await fresh(t);
      const [a, b, c, d] = [await user(store), await user(store), await user(store), await user(store)];
      const { group } = await newGroup(store, a, [b]);
      const id = group.id;
      const conv = group.conv;
      assert.equal(
        (
          await store.groups.updateGroup(
            id,
            { name: 'H', announcement: 'hi', mutedAll: true, joinPolicy: 'approval' },
            ev(a, 'updated', 2000),
          )
        ).seq,
        2,
      );
      const g = (await store.groups.getGroup(id))!;
      assert.deepEqual(
        [g.name, g.announcement, g.mutedAll, g.joinPolicy, g.description, g.updatedAt],
        ['H', 'hi', true, 'approval', 'about', 2000],
      );
      await store.groups.updateGroup(id, { description: null, mutedAll: false }, ev(a, 'updated'));
      assert.deepEqual([(await store.groups.getGroup(id))!.description, (await store.groups.getGroup(id))!.mutedAll], [null, false]);

      assert.equal(await store.groups.addRequest({ groupId: id, userId: c.id, message: 'me?', createdAt: 5 }), true);
      assert.equal(
        await store.groups.addRequest({ groupId: id, userId: c.id, message: 'again', createdAt: 6 }),
        false,
        'one pending request per user',
      );
      assert.equal((await store.groups.addMembers(id, [c.id, d.id], ev(a, 'added'))).seq, 4);
      assert.equal(await store.groups.getRequest(id, c.id), undefined, 'adding a user ends their request');
      assert.equal((await store.getMemberState(conv, d.id))!.readSeq, 3, 'a new member has read what came before');
      assert.equal((await store.groups.setRole(id, c.id, 'admin', ev(a, 'role'))).seq, 5);
      assert.equal((await store.groups.setMutedUntil(id, d.id, 99_000, ev(c, 'muted'))).seq, 6);
      assert.equal((await store.groups.transferOwnership(id, a.id, b.id, ev(a, 'transferred'))).seq, 7);
      assert.equal((await store.groups.getGroup(id))!.ownerId, b.id);
      assert.deepEqual(await roles(store, conv), [
        [a.id, 'admin', 0],
        [b.id, 'owner', 0],
        [c.id, 'admin', 0],
        [d.id, 'member', 99_000],
      ]);
      assert.equal((await store.groups.removeMembers(id, [d.id, a.id], ev(b, 'removed'))).seq, 8);
      assert.equal(await store.getMemberState(conv, d.id), undefined, 'a removed member has no row');
      assert.deepEqual(
        (await store.memberConversations(d.id)).map((x) => x.conv),
        [],
      );
      assert.deepEqual(await seqs(store, conv), [1, 2, 3, 4, 5, 6, 7, 8]);
      const page = await store.groups.membersPage(conv, 0, 1);
      assert.deepEqual(
        [page.map((m) => m.userId), (await store.groups.membersPage(conv, page[0]!.userId, 10)).map((m) => m.userId)],
        [[b.id], [c.id]],
      );
    });

    test('a change whose beforeCommit throws is rolled back with its event', async (t) => {
      const store = await fresh(t);
      const [a, b] = [await user(store), await user(store)];
      const { group } = await newGroup(store, a, []);
      await assert.rejects(
        store.groups.addMembers(group.id, [b.id], ev(a, 'added'), () => {
          throw new Error('no');
        }),
      );
      assert.equal(await store.getMemberState(group.conv, b.id), undefined);
      assert.deepEqual(await seqs(store, group.conv), [1]);
      let called = 0;
      await store.groups.addMembers(group.id, [b.id], ev(a, 'added'), () => void called++);
      assert.equal(called, 1);
      assert.deepEqual(await seqs(store, group.conv), [1, 2], 'the sequence has no gap from the rolled-back change');
    });

    test('dissolveGroup appends its event, marks the group and deletes its members and requests; summaries leave it out', async (t) => {
      const store = await fresh(t);
      const [a, b, c] = [await user(store), await user(store), await user(store)];
      const { group } = await newGroup(store, a, [b]);
      const other = (await newGroup(store, b, [a, c])).group;
      await store.groups.addRequest({ groupId: group.id, userId: c.id, message: null, createdAt: 1 });
      assert.deepEqual(
        (await store.groups.groupSummaries([group.id, other.id, 424242])).map((s) => [s.id, s.memberCount]).sort(),
        [
          [group.id, 2],
          [other.id, 3],
        ].sort(),
      );
      assert.equal((await store.groups.dissolveGroup(group.id, ev(a, 'dissolved', 7000))).seq, 2);
      assert.equal((await store.groups.getGroup(group.id))!.dissolvedAt, 7000);
      assert.deepEqual(await store.groups.listMembers(group.conv), []);
      assert.deepEqual(await store.groups.listRequests(group.id, 10), []);
      assert.deepEqual(await seqs(store, group.conv), [1, 2], 'its messages are kept');
      assert.deepEqual(
        (await store.groups.groupSummaries([group.id, other.id])).map((s) => s.id),
        [other.id],
      );
    });

    test('join requests: listed oldest first, deleted once', async (t) => {
      const store = await fresh(t);
      const [a, b, c] = [await user(store), await user(store), await user(store)];
      const { group } = await newGroup(store, a, []);
      await store.groups.addRequest({ groupId: group.id, userId: c.id, message: null, createdAt: 20 });
      await store.groups.addRequest({ groupId: group.id, userId: b.id, message: 'hi', createdAt: 10 });
      assert.deepEqual(await store.groups.listRequests(group.id, 10), [
        { groupId: group.id, userId: b.id, message: 'hi', createdAt: 10 },
        { groupId: group.id, userId: c.id, message: null, createdAt: 20 },
      ]);
      assert.equal((await store.groups.listRequests(group.id, 1)).length, 1);
      assert.equal(await store.groups.deleteRequest(group.id, b.id), true);
      assert.equal(await store.groups.deleteRequest(group.id, b.id), false);
      assert.equal(await store.groups.getRequest(group.id, b.id), undefined);
    });
  });
}
