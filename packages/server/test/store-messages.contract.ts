import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { UserRow } from '../src/store/store.js';
import type { StoreFixture } from './store.contract.js';

/** An id no user gets in a fresh store. */
export const NO_USER = 987_654_321;

/** The message and conversation part of the Store contract; `storeContract` registers it. */
export function storeMessageCases(fx: StoreFixture): void {
  const { fresh, user, convOf, msg, seqs } = fx;

  describe('messages', () => {
    test('sequences: gapless per conversation, independent across conversations, in array order', async (t) => {
      const store = await fresh(t);
      const [a, b, c] = [await user(store), await user(store), await user(store)];
      const ab = convOf(a, b);
      const ac = convOf(a, c);
      const r1 = await store.appendMessages([msg(a, b, 'm1'), msg(a, c, 'm2'), msg(b, a, 'm3'), msg(a, b, 'm4'), msg(c, a, 'm5')]);
      assert.deepEqual(
        r1.map((r) => [r.conv, r.seq, r.duplicate]),
        [
          [ab, 1, false],
          [ac, 1, false],
          [ab, 2, false],
          [ab, 3, false],
          [ac, 2, false],
        ],
      );
      assert.equal(new Set(r1.map((r) => r.id)).size, 5, 'every message has its own id');
      const r2 = await store.appendMessages([msg(b, a, 'm6', 6000)]);
      assert.deepEqual([r2[0]!.seq, r2[0]!.createdAt], [4, 6000]);
      const stored = await store.messagesAfter(ab, 0, 100);
      assert.deepEqual(
        stored.map((m) => [m.seq, m.clientId, m.senderId]),
        [
          [1, 'm1', a.id],
          [2, 'm3', b.id],
          [3, 'm4', a.id],
          [4, 'm6', b.id],
        ],
      );
      assert.deepEqual(stored[0], {
        id: r1[0]!.id,
        conv: ab,
        seq: 1,
        senderId: a.id,
        clientId: 'm1',
        kind: 'text',
        body: '{"text":"m1"}',
        createdAt: 5000,
      });
      assert.deepEqual(await seqs(store, ac), [1, 2]);
    });

    test('a duplicate (sender, clientId) in the same batch returns the first result and stores nothing', async (t) => {
      const store = await fresh(t);
      const [a, b] = [await user(store), await user(store)];
      const r = await store.appendMessages([msg(a, b, 'x', 5000, 'first'), msg(a, b, 'y'), msg(a, b, 'x', 5001, 'second'), msg(b, a, 'x')]);
      assert.deepEqual(r[2], { ...r[0]!, duplicate: true });
      assert.equal(r[0]!.duplicate, false);
      assert.deepEqual(
        r.map((x) => x.seq),
        [1, 2, 1, 3],
        'the same clientId from another sender is a new message',
      );
      const stored = await store.messagesAfter(convOf(a, b), 0, 100);
      assert.deepEqual(
        stored.map((m) => m.body),
        ['{"text":"first"}', '{"text":"y"}', '{"text":"x"}'],
      );
      assert.equal((await store.getConversation(convOf(a, b)))?.lastSeq, 3);
    });

    test('a duplicate from an earlier batch returns the first result and stores nothing, even in another conversation', async (t) => {
      const store = await fresh(t);
      const [a, b, c] = [await user(store), await user(store), await user(store)];
      const [first] = await store.appendMessages([msg(a, b, 'x', 5000)]);
      const r = await store.appendMessages([msg(a, b, 'x', 6000, 'retry'), msg(a, c, 'x', 6000), msg(a, b, 'z', 6000)]);
      assert.deepEqual(r[0], { ...first!, duplicate: true });
      assert.deepEqual(r[1], { ...first!, duplicate: true });
      assert.deepEqual([r[2]!.seq, r[2]!.duplicate], [2, false]);
      assert.deepEqual(await seqs(store, convOf(a, b)), [1, 2]);
      assert.equal((await store.messagesAfter(convOf(a, b), 0, 1))[0]!.body, '{"text":"x"}');
      assert.equal(await store.getConversation(convOf(a, c)), undefined, 'nothing was sent in a–c');
    });

    test('the first message creates the conversation and its members; the sender has read it', async (t) => {
      const store = await fresh(t);
      const [a, b, outsider] = [await user(store), await user(store), await user(store)];
      const conv = convOf(a, b);
      assert.equal(await store.getConversation(conv), undefined);
      assert.deepEqual(await store.memberConversations(a.id), []);
      await store.appendMessages([msg(a, b, 'hi', 1234)]);
      const head = await store.getConversation(conv);
      assert.deepEqual(head && { ...head, kind: typeof head.kind }, { conv, kind: 'string', lastSeq: 1, updatedAt: 1234 });
      assert.deepEqual(await store.memberConversations(a.id), [{ ...head!, readSeq: 1 }]);
      assert.deepEqual(await store.memberConversations(b.id), [{ ...head!, readSeq: 0 }]);
      assert.deepEqual(await store.memberConversations(outsider.id), []);
    });

    test('updatedAt follows the latest message; each sender’s read cursor moves to its own latest message', async (t) => {
      const store = await fresh(t);
      const [a, b] = [await user(store), await user(store)];
      const conv = convOf(a, b);
      await store.appendMessages([msg(a, b, 'a1', 1000), msg(a, b, 'a2', 1100)]);
      await store.appendMessages([msg(b, a, 'b1', 2000)]);
      const head = await store.getConversation(conv);
      assert.deepEqual([head?.lastSeq, head?.updatedAt], [3, 2000]);
      const readOf = async (u: UserRow) => (await store.memberConversations(u.id)).find((c) => c.conv === conv)?.readSeq;
      assert.equal(await readOf(a), 2);
      assert.equal(await readOf(b), 3);
      await store.appendMessages([msg(a, b, 'a3', 3000), msg(b, a, 'b2', 3001)]);
      assert.deepEqual([await readOf(a), await readOf(b)], [4, 5]);
      assert.equal((await store.getConversation(conv))?.updatedAt, 3001);
    });

    test('messagesAfter and messagesBefore page at their bounds, ascending, at most limit', async (t) => {
      const store = await fresh(t);
      const [a, b] = [await user(store), await user(store)];
      const conv = convOf(a, b);
      await store.appendMessages(Array.from({ length: 10 }, (_, i) => msg(i % 2 ? b : a, i % 2 ? a : b, `c${i}`, 1000 + i)));
      const after = async (s: number, l: number) => (await store.messagesAfter(conv, s, l)).map((m) => m.seq);
      const before = async (s: number | null, l: number) => (await store.messagesBefore(conv, s, l)).map((m) => m.seq);
      assert.deepEqual(await after(0, 3), [1, 2, 3]);
      assert.deepEqual(await after(3, 3), [4, 5, 6]);
      assert.deepEqual(await after(8, 5), [9, 10]);
      assert.deepEqual(await after(10, 5), []);
      assert.deepEqual(await before(null, 3), [8, 9, 10]);
      assert.deepEqual(await before(null, 50), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.deepEqual(await before(8, 3), [5, 6, 7]);
      assert.deepEqual(await before(3, 5), [1, 2]);
      assert.deepEqual(await before(1, 5), []);
      assert.deepEqual(await store.messagesAfter('d:1:999999', 0, 10), []);
      assert.deepEqual(await store.messagesBefore('d:1:999999', null, 10), []);
      const [m7] = await store.messagesBefore(conv, 8, 1);
      assert.deepEqual(m7, (await store.messagesAfter(conv, 6, 1))[0]);
      assert.deepEqual([m7!.seq, m7!.clientId, m7!.senderId, m7!.createdAt], [7, 'c6', a.id, 1006]);
    });

    test('getConversation and memberConversations: undefined / [] when unknown; lastSeq and readSeq per conversation', async (t) => {
      const store = await fresh(t);
      const [a, b, c] = [await user(store), await user(store), await user(store)];
      assert.equal(await store.getConversation('d:1:999999'), undefined);
      assert.deepEqual(await store.memberConversations(NO_USER), []);
      await store.appendMessages([msg(a, b, 'ab1'), msg(b, a, 'ab2'), msg(c, a, 'ca1')]);
      const mine = (await store.memberConversations(a.id)).map((r) => [r.conv, r.lastSeq, r.readSeq]);
      assert.deepEqual(
        mine.sort(),
        [
          [convOf(a, b), 2, 1],
          [convOf(a, c), 1, 0],
        ].sort(),
      );
    });

    test('listConversations: most recent first, last message included, paged by (updatedAt, conv)', async (t) => {
      const store = await fresh(t);
      const me = await user(store);
      const peers = [await user(store), await user(store), await user(store), await user(store), await user(store)];
      // Two pairs share an updatedAt, so the cursor's tie-break on conv is exercised.
      const times = [100, 300, 200, 300, 100];
      for (const [i, p] of peers.entries())
        await store.appendMessages([msg(p, me, `first${i}`, times[i]! - 50), msg(me, p, `last${i}`, times[i]!)]);
      await store.appendMessages([msg(peers[0]!, peers[1]!, 'not mine', 999)]);

      const firstPage = await store.listConversations(me.id, 10, null);
      assert.equal(firstPage.length, 5);
      assert.deepEqual(
        firstPage.map((c) => c.updatedAt),
        [300, 300, 200, 100, 100],
      );
      const top = firstPage[0]!;
      const peerIdx = peers.findIndex((p) => convOf(p, me) === top.conv);
      assert.deepEqual(
        { ...top, lastMessage: undefined },
        { conv: top.conv, kind: top.kind, lastSeq: 2, updatedAt: 300, readSeq: 2, lastMessage: undefined },
      );
      assert.deepEqual(top.lastMessage, (await store.messagesAfter(top.conv, 1, 1))[0]);
      assert.deepEqual([top.lastMessage?.clientId, top.lastMessage?.senderId], [`last${peerIdx}`, me.id]);

      const paged: string[] = [];
      let before: { updatedAt: number; conv: string } | null = null;
      for (let i = 0; i < 10; i++) {
        const page = await store.listConversations(me.id, 2, before);
        assert.ok(page.length <= 2);
        if (page.length === 0) break;
        paged.push(...page.map((c) => c.conv));
        before = { updatedAt: page.at(-1)!.updatedAt, conv: page.at(-1)!.conv };
      }
      assert.deepEqual(
        paged,
        firstPage.map((c) => c.conv),
        'paging yields the same order, each conversation once',
      );
      assert.deepEqual(await store.listConversations(NO_USER, 10, null), []);
    });

    test('advanceReadSeq moves forward only and returns the cursor after', async (t) => {
      const store = await fresh(t);
      const [a, b] = [await user(store), await user(store)];
      const conv = convOf(a, b);
      await store.appendMessages([msg(a, b, '1'), msg(a, b, '2'), msg(a, b, '3')]);
      assert.equal(await store.advanceReadSeq(conv, b.id, 2), 2);
      assert.equal(await store.advanceReadSeq(conv, b.id, 1), 2);
      assert.equal(await store.advanceReadSeq(conv, b.id, 2), 2);
      assert.equal(await store.advanceReadSeq(conv, b.id, 3), 3);
      assert.equal(await store.advanceReadSeq(conv, a.id, 0), 3, 'the sender’s own cursor stays');
      assert.equal((await store.memberConversations(b.id))[0]?.readSeq, 3);
    });

    test('a failing batch rolls back entirely: nothing stored, sequences and conversations unchanged', async (t) => {
      const store = await fresh(t);
      const [a, b, c] = [await user(store), await user(store), await user(store)];
      const ab = convOf(a, b);
      const ac = convOf(a, c);
      await store.appendMessages([msg(a, b, 'kept', 1000)]);
      // A sender that does not exist violates the foreign key, after good messages of the same batch
      // in a known conversation and in a new one.
      const bad = { ...msg(a, b, 'bad', 2000), senderId: NO_USER };
      await assert.rejects(store.appendMessages([msg(a, b, 'lost1', 2000), msg(a, c, 'lost2', 2000), bad]));
      assert.deepEqual(await seqs(store, ab), [1]);
      const head = await store.getConversation(ab);
      assert.deepEqual([head?.lastSeq, head?.updatedAt], [1, 1000]);
      assert.equal(await store.getConversation(ac), undefined);
      assert.deepEqual(
        (await store.memberConversations(a.id)).map((r) => [r.conv, r.readSeq]),
        [[ab, 1]],
      );
      // The rolled-back messages were never stored, so sending them again is not a duplicate.
      const retry = await store.appendMessages([msg(a, b, 'lost1', 3000), msg(a, c, 'lost2', 3000)]);
      assert.deepEqual(
        retry.map((r) => [r.conv, r.seq, r.duplicate]),
        [
          [ab, 2, false],
          [ac, 1, false],
        ],
      );
      assert.equal((await store.memberConversations(c.id))[0]?.conv, ac);
    });

    test('concurrent appends to one conversation get 1..50 exactly once; concurrent retries store once', async (t) => {
      const store = await fresh(t);
      const [a, b] = [await user(store), await user(store)];
      const conv = convOf(a, b);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.appendMessages([msg(i % 2 ? a : b, i % 2 ? b : a, `p${i}`)])),
      );
      assert.deepEqual(
        results.map((r) => r[0]!.seq).sort((x, y) => x - y),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      assert.deepEqual(
        await seqs(store, conv),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      assert.equal((await store.getConversation(conv))?.lastSeq, 50);

      const retries = (await Promise.all(Array.from({ length: 5 }, () => store.appendMessages([msg(a, b, 'retry')])))).map((r) => r[0]!);
      assert.equal(retries.filter((r) => !r.duplicate).length, 1);
      assert.deepEqual(new Set(retries.map((r) => `${r.id}:${r.seq}`)), new Set([`${retries[0]!.id}:51`]));
      assert.equal((await store.getConversation(conv))?.lastSeq, 51);
    });
  });
}
