import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CursorResult, NewMessage, Store, UserRow } from '../src/store/store.js';
import type { StoreFixture } from './store.contract.js';
import { appendAll } from './append-all.js';

/** An id no user gets in a fresh store. */
export const NO_USER = 987_654_321;

/** Moves one member cursor in a commit of its own (as a read receipt does) and returns the op's result. */
async function moveCursor(store: Store, conv: string, userId: number, cursor: 'read' | 'delivered', seq: number): Promise<CursorResult> {
  const [o] = await store.commit([{ type: 'cursor', move: { conv, userId, cursor, seq } }]);
  if (o?.type !== 'cursor') throw new Error(`a cursor op answered ${o?.type}`);
  return o.result;
}

/** The message and conversation part of the Store contract; `storeContract` registers it. */
export function storeMessageCases(fx: StoreFixture): void {
  const { fresh, user, convOf, msg, seqs } = fx;

  describe('messages', () => {
    test('sequences: gapless per conversation, independent across conversations, in array order', async (t) => {
      const store = await fresh(t);
      const [a, b, c] = [await user(store), await user(store), await user(store)];
      const ab = convOf(a, b);
      const ac = convOf(a, c);
      const r1 = await appendAll(store, [msg(a, b, 'm1'), msg(a, c, 'm2'), msg(b, a, 'm3'), msg(a, b, 'm4'), msg(c, a, 'm5')]);
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
      const r2 = await appendAll(store, [msg(b, a, 'm6', 6000)]);
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
      const r = await appendAll(store, [msg(a, b, 'x', 5000, 'first'), msg(a, b, 'y'), msg(a, b, 'x', 5001, 'second'), msg(b, a, 'x')]);
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
      const [first] = await appendAll(store, [msg(a, b, 'x', 5000)]);
      const r = await appendAll(store, [msg(a, b, 'x', 6000, 'retry'), msg(a, c, 'x', 6000), msg(a, b, 'z', 6000)]);
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
      await appendAll(store, [msg(a, b, 'hi', 1234)]);
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
      await appendAll(store, [msg(a, b, 'a1', 1000), msg(a, b, 'a2', 1100)]);
      await appendAll(store, [msg(b, a, 'b1', 2000)]);
      const head = await store.getConversation(conv);
      assert.deepEqual([head?.lastSeq, head?.updatedAt], [3, 2000]);
      const readOf = async (u: UserRow) => (await store.memberConversations(u.id)).find((c) => c.conv === conv)?.readSeq;
      assert.equal(await readOf(a), 2);
      assert.equal(await readOf(b), 3);
      await appendAll(store, [msg(a, b, 'a3', 3000), msg(b, a, 'b2', 3001)]);
      assert.deepEqual([await readOf(a), await readOf(b)], [4, 5]);
      assert.equal((await store.getConversation(conv))?.updatedAt, 3001);
    });

    test('messagesAfter and messagesBefore page at their bounds, ascending, at most limit', async (t) => {
      const store = await fresh(t);
      const [a, b] = [await user(store), await user(store)];
      const conv = convOf(a, b);
      await appendAll(
        store,
        Array.from({ length: 10 }, (_, i) => msg(i % 2 ? b : a, i % 2 ? a : b, `c${i}`, 1000 + i)),
      );
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
      await appendAll(store, [msg(a, b, 'ab1'), msg(b, a, 'ab2'), msg(c, a, 'ca1')]);
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
        await appendAll(store, [msg(p, me, `first${i}`, times[i]! - 50), msg(me, p, `last${i}`, times[i]!)]);
      await appendAll(store, [msg(peers[0]!, peers[1]!, 'not mine', 999)]);

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
        {
          conv: top.conv,
          kind: top.kind,
          lastSeq: 2,
          updatedAt: 300,
          readSeq: 2,
          lastMessage: undefined,
          mentionSeq: 0,
          pinned: false,
          muted: false,
          archived: false,
          // The peer sent the first message, so has read up to it.
          peerReadSeq: 1,
          peerDeliveredSeq: 0,
        },
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

    test('a read cursor moves forward only; each move answers with the cursor after', async (t) => {
      const store = await fresh(t);
      const [a, b] = [await user(store), await user(store)];
      const conv = convOf(a, b);
      await appendAll(store, [msg(a, b, '1'), msg(a, b, '2'), msg(a, b, '3')]);
      const read = async (u: UserRow, seq: number) => (await moveCursor(store, conv, u.id, 'read', seq)).seq;
      assert.equal(await read(b, 2), 2);
      assert.equal(await read(b, 1), 2);
      assert.equal(await read(b, 2), 2);
      assert.equal(await read(b, 3), 3);
      assert.equal(await read(a, 0), 3, 'the sender’s own cursor stays');
      assert.equal((await store.memberConversations(b.id))[0]?.readSeq, 3);
    });

    test('a failing entry fails alone: the rest of its batch commits, gapless, and nothing of it is stored', async (t) => {
      const store = await fresh(t);
      const [a, b, c] = [await user(store), await user(store), await user(store)];
      const ab = convOf(a, b);
      const ac = convOf(a, c);
      await appendAll(store, [msg(a, b, 'kept', 1000)]);
      // A sender that does not exist violates the foreign key, between good messages of the same batch
      // in a known conversation and in a new one; so does a new conversation with a member who does not
      // exist (its conversation row is written before the member that fails).
      const badSender: NewMessage = { ...msg(a, b, 'bad', 2000), senderId: NO_USER };
      const nobody = { ...c, id: NO_USER };
      const badConv = { ...msg(a, nobody, 'bad-conv', 2000), members: [a.id, NO_USER] };
      const out = await store.commit([
        { type: 'append', msg: msg(a, b, 'ok1', 2000) },
        { type: 'append', msg: badSender },
        { type: 'append', msg: msg(a, c, 'ok2', 2001) },
        { type: 'append', msg: badConv },
        { type: 'cursor', move: { conv: ab, userId: b.id, cursor: 'delivered', seq: 2 } },
        { type: 'append', msg: msg(b, a, 'ok3', 2002) },
      ]);
      assert.deepEqual(
        out.map((o) => (o.type === 'append' ? [o.result.conv, o.result.seq, o.result.duplicate] : o.type === 'cursor' ? o.result : o.type)),
        [[ab, 2, false], 'failed', [ac, 1, false], 'failed', { seq: 2, moved: true }, [ab, 3, false]],
      );
      const failure = out[1]!;
      assert.ok(failure.type === 'failed' && failure.error instanceof Error, 'the failure carries its error');
      assert.deepEqual(await seqs(store, ab), [1, 2, 3]);
      assert.deepEqual(
        (await store.messagesAfter(ab, 0, 10)).map((m) => m.clientId),
        ['kept', 'ok1', 'ok3'],
      );
      assert.deepEqual(await seqs(store, ac), [1]);
      assert.equal(await store.getConversation(convOf(a, nobody)), undefined, 'the failed entry’s new conversation is rolled back too');
      const head = await store.getConversation(ab);
      assert.deepEqual([head?.lastSeq, head?.updatedAt], [3, 2002]);
      assert.deepEqual((await store.getMemberState(ab, b.id))?.deliveredSeq, 2);
      // The failed entries were never stored: sending them again is not a duplicate.
      const retry = await appendAll(store, [
        { ...badSender, senderId: a.id },
        { ...badConv, conv: ac, members: [a.id, c.id] },
      ]);
      assert.deepEqual(
        retry.map((r) => [r.conv, r.seq, r.duplicate]),
        [
          [ab, 4, false],
          [ac, 2, false],
        ],
      );
      // Through commit the batch stores what it can, and appendAll rejects with the first failure.
      await assert.rejects(appendAll(store, [msg(b, c, 'alone', 3000), { ...msg(b, c, 'bad2', 3000), senderId: NO_USER }]));
      assert.deepEqual(
        (await store.messagesAfter(convOf(b, c), 0, 10)).map((m) => m.clientId),
        ['alone'],
      );
    });

    test('cursor moves in one commit: written once, each answered as if applied alone, in order with the sender’s own messages', async (t) => {
      const store = await fresh(t);
      const [a, b] = [await user(store), await user(store)];
      const conv = convOf(a, b);
      await appendAll(store, [msg(a, b, 'm1'), msg(a, b, 'm2'), msg(a, b, 'm3')]);
      const move = (userId: number, cursor: 'read' | 'delivered', seq: number) => ({
        type: 'cursor' as const,
        move: { conv, userId, cursor, seq },
      });
      const out = await store.commit([
        move(b.id, 'delivered', 2),
        move(b.id, 'delivered', 1),
        move(b.id, 'read', 1),
        move(b.id, 'delivered', 3),
        // b replies (seq 4): b has read up to it, so a read of 2 after it does not move the cursor.
        { type: 'append', msg: msg(b, a, 'reply') },
        move(b.id, 'read', 2),
        move(a.id, 'delivered', 4),
        move(NO_USER, 'read', 1),
      ]);
      assert.deepEqual(
        out.map((o) => (o.type === 'append' ? o.result.seq : o.type === 'cursor' ? o.result : o.type)),
        [
          { seq: 2, moved: true },
          { seq: 2, moved: false },
          { seq: 1, moved: true },
          { seq: 3, moved: true },
          4,
          { seq: 4, moved: false },
          { seq: 4, moved: true },
          { seq: 0, moved: false },
        ],
      );
      const stateB = await store.getMemberState(conv, b.id);
      assert.deepEqual([stateB?.readSeq, stateB?.deliveredSeq], [4, 3]);
      const stateA = await store.getMemberState(conv, a.id);
      assert.deepEqual([stateA?.readSeq, stateA?.deliveredSeq], [3, 4]);
      // A read before the member's own message in the same batch: the read moves, then the message.
      const again = await store.commit([move(a.id, 'read', 4), { type: 'append', msg: msg(a, b, 'm5') }, move(a.id, 'read', 4)]);
      assert.deepEqual(
        again.map((o) => (o.type === 'cursor' ? o.result : o.type)),
        [{ seq: 4, moved: true }, 'append', { seq: 5, moved: false }],
      );
      assert.equal((await store.getMemberState(conv, a.id))?.readSeq, 5);
    });

    test('concurrent appends to one conversation get 1..50 exactly once; concurrent retries store once', async (t) => {
      const store = await fresh(t);
      const [a, b] = [await user(store), await user(store)];
      const conv = convOf(a, b);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => appendAll(store, [msg(i % 2 ? a : b, i % 2 ? b : a, `p${i}`)])),
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

      const retries = (await Promise.all(Array.from({ length: 5 }, () => appendAll(store, [msg(a, b, 'retry')])))).map((r) => r[0]!);
      assert.equal(retries.filter((r) => !r.duplicate).length, 1);
      assert.deepEqual(new Set(retries.map((r) => `${r.id}:${r.seq}`)), new Set([`${retries[0]!.id}:51`]));
      assert.equal((await store.getConversation(conv))?.lastSeq, 51);
    });
  });

  describe('message effects, cursors and flags', () => {
    test('edit, reaction and recall effects change the target in the append; a duplicate applies nothing', async (t) => {
      const store = await fresh(t);
      const [a, b] = [await user(store), await user(store)];
      const conv = convOf(a, b);
      await appendAll(store, [msg(a, b, 'orig', 1000, 'hello')]);
      const act = (from: UserRow, clientId: string, kind: string, body: object, effect: NewMessage['effect'], at = 2000): NewMessage => ({
        ...msg(from, from === a ? b : a, clientId, at),
        kind,
        body: JSON.stringify(body),
        effect,
      });
      await appendAll(store, [
        act(a, 'e1', 'edit', { target: 1, text: 'hello!' }, { type: 'edit', target: 1, text: 'hello!' }),
        act(b, 'r1', 'reaction', { target: 1, emoji: '👍', on: true }, { type: 'reaction', target: 1, emoji: '👍', on: true }),
        act(a, 'r2', 'reaction', { target: 1, emoji: '👍', on: true }, { type: 'reaction', target: 1, emoji: '👍', on: true }),
        act(a, 'r3', 'reaction', { target: 1, emoji: '🎉', on: true }, { type: 'reaction', target: 1, emoji: '🎉', on: true }),
        act(a, 'r4', 'reaction', { target: 1, emoji: '🎉', on: false }, { type: 'reaction', target: 1, emoji: '🎉', on: false }),
      ]);
      // A retry of the edit with other text is a duplicate: the effect is not applied again.
      const [dup] = await appendAll(store, [
        act(a, 'e1', 'edit', { target: 1, text: 'other' }, { type: 'edit', target: 1, text: 'other' }),
      ]);
      assert.equal(dup!.duplicate, true);
      const [m1] = await store.getMessages(conv, [1]);
      assert.deepEqual(
        { body: m1!.body, editedAt: m1!.editedAt, reactions: m1!.reactions, recalledAt: m1!.recalledAt },
        { body: '{"text":"hello!"}', editedAt: 2000, reactions: JSON.stringify({ '👍': [b.id, a.id] }), recalledAt: undefined },
      );
      await appendAll(store, [act(a, 'x1', 'recall', { target: 1 }, { type: 'recall', target: 1 }, 3000)]);
      // Effects on a recalled target do nothing (and do not fail the batch).
      await appendAll(store, [
        act(a, 'e2', 'edit', { target: 1, text: 'late' }, { type: 'edit', target: 1, text: 'late' }, 4000),
        act(b, 'r5', 'reaction', { target: 1, emoji: '😮', on: true }, { type: 'reaction', target: 1, emoji: '😮', on: true }, 4000),
      ]);
      const [recalled] = await store.getMessages(conv, [1]);
      assert.deepEqual([recalled!.body, recalled!.recalledAt, recalled!.reactions, recalled!.editedAt], ['{}', 3000, undefined, 2000]);
      assert.deepEqual(await seqs(store, conv), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.deepEqual((await store.messageByClientId(a.id, 'x1'))?.seq, 7);
      assert.equal(await store.messageByClientId(b.id, 'x1'), undefined);
      assert.deepEqual(
        (await store.getMessages(conv, [9, 1, 99, 1])).map((m) => m.seq),
        [1, 9],
      );
    });

    test('a recall empties every recorded copy of its target’s text; an edit or reply of a target recalled since loses its own', async (t) => {
      const store = await fresh(t);
      const [a, b] = [await user(store), await user(store)];
      const conv = convOf(a, b);
      const entry = (from: UserRow, clientId: string, kind: string, body: object, effect: NewMessage['effect']): NewMessage => ({
        ...msg(from, from === a ? b : a, clientId, 2000),
        kind,
        body: JSON.stringify(body),
        effect,
      });
      const quote = (seq: number, text: string) => ({ seq, from: a.id, kind: 'text', text });
      const gone = (seq: number) => ({ seq, from: a.id, kind: 'text', recalled: true });
      await appendAll(store, [msg(a, b, 'one', 1000, 'secret'), msg(a, b, 'two', 1000, 'other')]); // 1, 2
      await appendAll(store, [
        entry(a, 'e1', 'edit', { target: 1, text: 'secret 2' }, { type: 'edit', target: 1, text: 'secret 2' }), // 3
        entry(b, 'q1', 'text', { text: 'hm', replyTo: quote(1, 'secret 2') }, { type: 'reply', target: 1, mentions: [a.id] }), // 4
        entry(b, 'q2', 'text', { text: 'ok', replyTo: quote(2, 'other') }, { type: 'reply', target: 2 }), // 5
      ]);
      assert.equal((await store.getMemberState(conv, a.id))?.mentionSeq, 4, 'a reply that mentions sets the mention cursor');
      // Checked before the recall was stored, stored after it in the same batch.
      const late = [
        entry(a, 'e2', 'edit', { target: 1, text: 'secret 3' }, { type: 'edit', target: 1, text: 'secret 3' }), // 7
        entry(b, 'q3', 'text', { text: 'hm?', replyTo: quote(1, 'secret 2') }, { type: 'reply', target: 1 }), // 8
      ];
      await appendAll(store, [entry(a, 'x1', 'recall', { target: 1 }, { type: 'recall', target: 1 }), ...late]); // 6
      const bodies = new Map((await store.messagesAfter(conv, 0, 100)).map((m) => [m.seq, JSON.parse(m.body) as unknown]));
      assert.deepEqual(
        [3, 4, 5, 7, 8].map((seq) => bodies.get(seq)),
        [
          { target: 1, recalled: true },
          { text: 'hm', replyTo: gone(1) },
          { text: 'ok', replyTo: quote(2, 'other') },
          { target: 1, recalled: true },
          { text: 'hm?', replyTo: gone(1) },
        ],
      );
      assert.deepEqual(
        late.map((m) => JSON.parse(m.body) as unknown),
        [bodies.get(7), bodies.get(8)],
        'the entries to push carry the body as stored',
      );
      assert.doesNotMatch(JSON.stringify([...bodies.values()]), /secret/);
    });

    test('hide marks messages for one viewer only; flags and mentions set the member row', async (t) => {
      const store = await fresh(t);
      const [a, b] = [await user(store), await user(store)];
      const conv = convOf(a, b);
      await appendAll(store, [msg(a, b, 'm1'), msg(b, a, 'm2'), msg(a, b, 'm3')]);
      const self = `u:${b.id}`;
      const account = (clientId: string, effect: NewMessage['effect']): NewMessage => ({
        conv: self,
        members: [b.id],
        senderId: b.id,
        clientId,
        kind: 'account',
        body: '{"event":{}}',
        createdAt: 6000,
        effect,
      });
      await appendAll(store, [account('h1', { type: 'hide', conv, seqs: [1, 3] }), account('h2', { type: 'hide', conv, seqs: [3] })]);
      const hidden = async (viewer?: number) => (await store.messagesAfter(conv, 0, 10, viewer)).map((m) => m.hidden ?? false);
      assert.deepEqual(await hidden(b.id), [true, false, true]);
      assert.deepEqual(await hidden(a.id), [false, false, false]);
      assert.deepEqual(await hidden(), [false, false, false]);
      assert.deepEqual(
        (await store.messagesBefore(conv, null, 10, b.id)).map((m) => m.hidden ?? false),
        [true, false, true],
      );
      const listed = (await store.listConversations(b.id, 10, null))[0]!;
      assert.equal(listed.lastMessage?.hidden, true);
      assert.equal((await store.listConversations(a.id, 10, null))[0]!.lastMessage?.hidden, undefined);

      await appendAll(store, [
        account('f1', { type: 'flags', conv, pinned: true, archived: true }),
        account('f2', { type: 'flags', conv, archived: false }),
      ]);
      await appendAll(store, [{ ...msg(a, b, 'm4'), effect: { type: 'mention', users: [b.id, a.id] } }]);
      const state = await store.getMemberState(conv, b.id);
      assert.deepEqual(
        { pinned: state?.pinned, muted: state?.muted, archived: state?.archived, mentionSeq: state?.mentionSeq },
        { pinned: true, muted: false, archived: false, mentionSeq: 4 },
      );
      assert.equal((await store.getMemberState(conv, a.id))?.mentionSeq, 0, 'the sender is not mentioned by their own message');
      assert.equal(await store.getMemberState(conv, NO_USER), undefined);
      const row = (await store.listConversations(b.id, 10, null))[0]!;
      assert.deepEqual([row.pinned, row.archived, row.mentionSeq], [true, false, 4]);
    });

    test('read and delivered cursors move forward only; receipts count the other members', async (t) => {
      const store = await fresh(t);
      const [a, b] = [await user(store), await user(store)];
      const conv = convOf(a, b);
      await appendAll(store, [msg(a, b, 'm1'), msg(a, b, 'm2'), msg(a, b, 'm3')]);
      assert.deepEqual(await moveCursor(store, conv, b.id, 'delivered', 2), { seq: 2, moved: true });
      assert.deepEqual(await moveCursor(store, conv, b.id, 'delivered', 1), { seq: 2, moved: false });
      assert.deepEqual(await moveCursor(store, conv, b.id, 'read', 1), { seq: 1, moved: true });
      assert.deepEqual(await moveCursor(store, conv, NO_USER, 'read', 1), { seq: 0, moved: false });
      assert.deepEqual(await store.receipts(conv, 1, a.id, true), { read: 1, delivered: 1, readBy: [b.id] });
      assert.deepEqual(await store.receipts(conv, 2, a.id, true), { read: 0, delivered: 1, readBy: [] });
      assert.deepEqual(await store.receipts(conv, 3, a.id, false), { read: 0, delivered: 0 });
      await moveCursor(store, conv, b.id, 'read', 3);
      assert.deepEqual(await store.receipts(conv, 3, a.id, false), { read: 1, delivered: 1 }, 'a read counts as delivered');
      const listed = (await store.listConversations(a.id, 10, null))[0]!;
      assert.deepEqual([listed.peerReadSeq, listed.peerDeliveredSeq], [3, 2]);
    });
  });
}
