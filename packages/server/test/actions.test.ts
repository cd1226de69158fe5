import assert from 'node:assert/strict';
import { test } from 'node:test';
import { directConvId, selfConvId, type Message } from '@warbler/protocol';
import { chatPair, chatUser, cid, otherDevice, read, refused, snapshot, syncAll } from './chat-helpers.js';
import { eventually, startTestServer } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('edit: the author replaces the text; the peer gets the edit, history shows the edited message, an offline device replays it', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'helo' });
  await a.client.request('msg.send', { to: b.id, clientId: cid(), kind: 'image', media: { url: 'https://i.example/1.png' } });
  const editId = cid('edit');
  const ack = await a.client.request('msg.edit', { conv, seq: 1, text: 'hello', clientId: editId });
  assert.deepEqual([ack.conv, ack.seq, ack.duplicate], [conv, 3, false]);
  // A retry after a lost ack is the same entry, not a second edit.
  assert.deepEqual(await a.client.request('msg.edit', { conv, seq: 1, text: 'hello', clientId: editId }), { ...ack, duplicate: true });
  await a.client.request('msg.edit', { conv, seq: 2, text: 'a caption now', clientId: cid() });

  await eventually(() => assert.equal(b.got.length, 4));
  assert.deepEqual(
    b.got.slice(2).map((m) => [m.kind, m.from, m.target, m.text]),
    [
      ['edit', a.id, 1, 'hello'],
      ['edit', a.id, 2, 'a caption now'],
    ],
    'pushed as entries of the sequence',
  );
  for (const reader of [a, b]) {
    const [m1, m2] = await read(reader.client, conv);
    assert.deepEqual([m1!.text, m1!.edited], ['hello', true]);
    assert.deepEqual([m2!.kind, m2!.text, m2!.media, m2!.edited], ['image', 'a caption now', { url: 'https://i.example/1.png' }, true]);
  }
  const offline = await otherDevice(t, s, b);
  const synced = (await syncAll(offline)).filter((m) => m.conv === conv);
  assert.deepEqual(
    synced.map((m) => [m.seq, m.kind, m.text, m.edited ?? false]),
    [
      [1, 'text', 'hello', true],
      [2, 'image', 'a caption now', true],
      [3, 'edit', 'hello', false],
      [4, 'edit', 'a caption now', false],
    ],
  );
});

test('edit is refused for someone else’s message, after the window, on a recalled or non-text message; nothing changes', async (t) => {
  // A window long enough for the refusals below on a busy machine, short enough to wait out.
  const s = await startTestServer({ messages: { editWindowSeconds: 3 } });
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  const c = await chatUser(t, s);
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'old' }); // 1
  await a.client.request('msg.send', { to: b.id, clientId: cid(), kind: 'location', location: { lat: 1, lon: 2 } }); // 2
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'gone' }); // 3
  await a.client.request('msg.recall', { conv, seq: 3, clientId: cid() }); // 4
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'fresh' }); // 5
  const edit = (u: typeof a, seq: number, text = 'new') => u.client.request('msg.edit', { conv, seq, text, clientId: cid() });
  const before = [await snapshot(a.client, conv), await snapshot(b.client, conv)];
  await refused(edit(b, 5), 'not_author');
  await refused(edit(c, 5), 'not_member');
  await refused(edit(a, 99), 'message_not_found');
  await refused(edit(a, 4), 'not_actionable', /recall/);
  await refused(edit(a, 2), 'not_actionable', /location/);
  await refused(edit(a, 3), 'message_recalled');
  await refused(edit(a, 5, 'x'.repeat(4001)), 'text_too_long');
  await sleep(3100);
  await refused(edit(a, 5), 'edit_window_passed');
  assert.deepEqual([await snapshot(a.client, conv), await snapshot(b.client, conv)], before, 'nothing changed');
});

test('recall: the author within the window; the message is emptied for everyone and an offline device replays it', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'oops', mentions: [b.id] });
  await b.client.request('msg.react', { conv, seq: 1, emoji: '😂', on: true, clientId: cid() });
  const recallId = cid('recall');
  const ack = await a.client.request('msg.recall', { conv, seq: 1, clientId: recallId });
  assert.equal(ack.seq, 3);
  // A retry after a lost ack answers with the same ack, although the target is recalled now.
  assert.deepEqual(await a.client.request('msg.recall', { conv, seq: 1, clientId: recallId }), { ...ack, duplicate: true });
  await eventually(() => assert.deepEqual(b.got.at(-1) && [b.got.at(-1)!.kind, b.got.at(-1)!.target], ['recall', 1]));
  for (const reader of [a, b]) {
    const [m1] = await read(reader.client, conv);
    assert.deepEqual(m1, { id: m1!.id, conv, seq: 1, from: a.id, clientId: m1!.clientId, ts: m1!.ts, kind: 'text', recalled: true });
  }
  const offline = await otherDevice(t, s, b);
  const synced = (await syncAll(offline)).filter((m) => m.conv === conv);
  assert.deepEqual(
    synced.map((m) => [m.seq, m.kind, m.recalled ?? false, m.text, m.target]),
    [
      [1, 'text', true, undefined, undefined],
      [2, 'reaction', false, undefined, 1],
      [3, 'recall', false, undefined, 1],
    ],
  );
});

test('recall is refused for someone else’s message, after the window, twice, or on a non-content entry; acting on a recalled message is refused', async (t) => {
  const s = await startTestServer({ messages: { recallWindowSeconds: 1 } });
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  const c = await chatUser(t, s);
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'keep' }); // 1
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'take back' }); // 2
  await a.client.request('msg.recall', { conv, seq: 2, clientId: cid() }); // 3
  const recall = (u: typeof a, seq: number) => u.client.request('msg.recall', { conv, seq, clientId: cid() });
  const before = [await snapshot(a.client, conv), await snapshot(b.client, conv)];
  await refused(recall(b, 1), 'not_author');
  await refused(recall(c, 1), 'not_member');
  await refused(recall(a, 2), 'message_recalled');
  await refused(recall(a, 3), 'not_actionable');
  await refused(recall(a, 7), 'message_not_found');
  await refused(a.client.request('msg.edit', { conv, seq: 2, text: 'x', clientId: cid() }), 'message_recalled');
  await refused(b.client.request('msg.react', { conv, seq: 2, emoji: '👍', on: true, clientId: cid() }), 'message_recalled');
  await refused(b.client.request('msg.forward', { conv, seq: 2, to: c.id, clientId: cid() }), 'message_recalled');
  await sleep(1100);
  await refused(recall(a, 1), 'recall_window_passed');
  assert.deepEqual([await snapshot(a.client, conv), await snapshot(b.client, conv)], before, 'nothing changed');
  assert.equal(c.got.length, 0);
});

test('reactions: added and taken back per user; the message shows who reacted; an offline device replays them', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'lunch?' });
  const react = (u: typeof a, emoji: string, on: boolean) => u.client.request('msg.react', { conv, seq: 1, emoji, on, clientId: cid() });
  await react(b, '👍', true);
  await react(a, '👍', true);
  await react(a, '❤️', true);
  await react(b, '👍', false);
  await react(b, '🎉', false); // taking back what was never given changes nothing
  await eventually(() => assert.equal(a.got.filter((m) => m.kind === 'reaction' && m.from === b.id).length, 3));
  assert.deepEqual(
    a.got.filter((m) => m.from === b.id).map((m) => [m.kind, m.target, m.emoji, m.on]),
    [
      ['reaction', 1, '👍', true],
      ['reaction', 1, '👍', false],
      ['reaction', 1, '🎉', false],
    ],
  );
  for (const reader of [a, b]) assert.deepEqual((await read(reader.client, conv))[0]!.reactions, { '👍': [a.id], '❤️': [a.id] });
  const offline = await otherDevice(t, s, a);
  const synced = (await syncAll(offline)).filter((m) => m.conv === conv);
  assert.deepEqual(synced[0]!.reactions, { '👍': [a.id], '❤️': [a.id] });
  assert.equal(synced.filter((m) => m.kind === 'reaction').length, 5);

  const before = await snapshot(b.client, conv);
  await refused(react(b, 'thumbs up', true), 'invalid_message', /emoji/);
  await refused(react(b, 'x'.repeat(33), true), 'invalid_frame', /data\.emoji/);
  await refused(b.client.request('msg.react', { conv, seq: 9, emoji: '👍', on: true, clientId: cid() }), 'message_not_found');
  await refused(b.client.request('msg.react', { conv, seq: 2, emoji: '👍', on: true, clientId: cid() }), 'not_actionable');
  assert.equal(await snapshot(b.client, conv), before, 'nothing changed');
});

test('delete for me: hidden on every device of the user, not for the peer; the account log tells the other devices', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  for (const text of ['one', 'two', 'three']) await a.client.request('msg.send', { to: b.id, clientId: cid(), text });
  const b2 = await otherDevice(t, s, b);
  const b2got: Message[] = [];
  b2.on('message', (m) => b2got.push(m));
  const r = await b.client.request('msg.delete', { conv, seqs: [3, 1, 3] });
  assert.deepEqual(r, { conv, seqs: [1, 3] });
  await eventually(() => assert.equal(b2got.length, 1));
  assert.deepEqual(
    [b2got[0]!.conv, b2got[0]!.kind, b2got[0]!.event],
    [selfConvId(b.id), 'account', { type: 'deleted', conv, seqs: [1, 3] }],
  );

  const mine = await read(b.client, conv);
  assert.deepEqual(
    mine.map((m) => [m.seq, m.deleted ?? false, m.text]),
    [
      [1, true, undefined],
      [2, false, 'two'],
      [3, true, undefined],
    ],
  );
  assert.deepEqual(mine[0], {
    id: mine[0]!.id,
    conv,
    seq: 1,
    from: a.id,
    clientId: mine[0]!.clientId,
    ts: mine[0]!.ts,
    kind: 'text',
    deleted: true,
  });
  assert.deepEqual(
    (await read(a.client, conv)).map((m) => m.text),
    ['one', 'two', 'three'],
    'the peer still has them',
  );
  const listed = (await b.client.request('conv.list', {})).conversations[0]!;
  assert.deepEqual([listed.lastMessage?.seq, listed.lastMessage?.deleted, listed.lastMessage?.text], [3, true, undefined]);
  assert.equal((await a.client.request('conv.list', {})).conversations[0]!.lastMessage?.text, 'three');

  const offline = await otherDevice(t, s, b);
  const synced = await syncAll(offline);
  assert.deepEqual(
    synced.filter((m) => m.conv === conv).map((m) => m.deleted ?? false),
    [true, false, true],
  );
  assert.deepEqual(synced.find((m) => m.conv === selfConvId(b.id))?.event, { type: 'deleted', conv, seqs: [1, 3] });

  const c = await chatUser(t, s);
  const before = await snapshot(b.client, conv);
  await refused(b.client.request('msg.delete', { conv, seqs: [2, 4] }), 'message_not_found');
  await refused(c.client.request('msg.delete', { conv, seqs: [2] }), 'not_member');
  await refused(b.client.request('msg.delete', { conv, seqs: [] }), 'invalid_frame');
  assert.equal(await snapshot(b.client, conv), before, 'nothing changed');
});

test('forward: a copy in another conversation says where it came from; a copy of a copy keeps the origin', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  const c = await chatUser(t, s);
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'look', mentions: [b.id] }); // 1
  const orig = (await read(b.client, conv))[0]!;
  await b.client.request('msg.send', {
    conv,
    clientId: cid(),
    kind: 'location',
    location: { lat: 48.85, lon: 2.35, name: 'Paris' },
    replyTo: 1,
  });
  const f1 = await b.client.request('msg.forward', { conv, seq: 1, to: c.id, clientId: cid() });
  const bc = directConvId(b.id, c.id);
  assert.deepEqual([f1.conv, f1.seq], [bc, 1]);
  await b.client.request('msg.forward', { conv, seq: 2, toConv: bc, clientId: cid() });
  const place = (await read(b.client, conv))[1]!;
  await eventually(() => assert.equal(c.got.length, 2));
  // The content is copied; mentions and the reply's quote are not.
  assert.deepEqual(
    c.got.map((m) => [m.conv, m.from, m.kind, m.text, m.location, m.forwarded, m.mentions, m.replyTo]),
    [
      [bc, b.id, 'text', 'look', undefined, { from: a.id, ts: orig.ts }, undefined, undefined],
      [bc, b.id, 'location', undefined, { lat: 48.85, lon: 2.35, name: 'Paris' }, { from: b.id, ts: place.ts }, undefined, undefined],
    ],
  );
  // c forwards the copy to a: it still names a as where it came from.
  await c.client.request('msg.forward', { conv: bc, seq: 1, to: a.id, clientId: cid() });
  const ca = directConvId(a.id, c.id);
  assert.deepEqual((await read(a.client, ca))[0]!.forwarded, { from: a.id, ts: orig.ts });
  const offline = await otherDevice(t, s, c);
  const synced = await syncAll(offline);
  assert.deepEqual(
    [bc, ca].map((x) => synced.filter((m) => m.conv === x).map((m) => m.forwarded?.from)),
    [[a.id, b.id], [a.id]],
  );

  const before = [await snapshot(b.client, conv), await snapshot(c.client, bc)];
  const stranger = await chatUser(t, s);
  await refused(stranger.client.request('msg.forward', { conv, seq: 1, to: stranger.id, clientId: cid() }), 'not_member');
  await refused(b.client.request('msg.forward', { conv, seq: 1, to: 9_999_999, clientId: cid() }), 'user_not_found');
  await refused(b.client.request('msg.forward', { conv, seq: 1, to: c.id, toConv: bc, clientId: cid() }), 'invalid_frame', /toConv/);
  await refused(b.client.request('msg.forward', { conv, seq: 1, clientId: cid() }), 'invalid_frame', /toConv/);
  await refused(b.client.request('msg.forward', { conv, seq: 42, to: c.id, clientId: cid() }), 'message_not_found');
  await refused(b.client.request('msg.forward', { conv, seq: 1, toConv: directConvId(a.id, stranger.id), clientId: cid() }), 'not_member');
  assert.deepEqual([await snapshot(b.client, conv), await snapshot(c.client, bc)], before, 'nothing changed');
});

test('a user who is not a member cannot act on, read receipts of or flag a one-to-one conversation', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  const c = await chatUser(t, s);
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'private' });
  const before = [await snapshot(a.client, conv), await snapshot(b.client, conv)];
  const ops = [
    c.client.request('msg.edit', { conv, seq: 1, text: 'x', clientId: cid() }),
    c.client.request('msg.recall', { conv, seq: 1, clientId: cid() }),
    c.client.request('msg.react', { conv, seq: 1, emoji: '👍', on: true, clientId: cid() }),
    c.client.request('msg.delete', { conv, seqs: [1] }),
    c.client.request('msg.forward', { conv, seq: 1, to: c.id, clientId: cid() }),
    c.client.request('msg.receipts', { conv, seq: 1 }),
    c.client.request('conv.delivered', { conv, seq: 1 }),
    c.client.request('conv.update', { conv, pinned: true }),
    c.client.request('msg.send', { conv, clientId: cid(), text: 'x', replyTo: 1 }),
  ];
  // Every answer checked as it comes (awaited one by one, a later rejection could land unhandled first).
  await Promise.all(ops.map((p) => refused(p, 'not_member')));
  assert.deepEqual([await snapshot(a.client, conv), await snapshot(b.client, conv)], before, 'nothing changed');
  assert.deepEqual(await syncAll(c.client), [], 'the outsider has nothing');
});
