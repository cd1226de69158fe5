import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { directConvId, selfConvId } from '@warbler/protocol';
import { chatPair, chatUser, cid, otherDevice, refused, syncAll } from './chat-helpers.js';
import { RawClient, eventually, startTestServer, type Frame, type TestServer } from './helpers.js';

/** A raw connection authenticated as the user with `token`, to watch the events it gets. */
async function watcher(t: TestContext, s: TestServer, token: string): Promise<RawClient> {
  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  await c.request('hello', { protocol: 1 });
  const r = await c.request('auth.resume', { token });
  assert.equal(r.ok, true, JSON.stringify(r));
  return c;
}

const events = (c: RawClient, ev: string): Frame['data'][] => c.frames.filter((f) => f.ev === ev).map((f) => f.data);

test('one-to-one: the sender’s devices get delivery and read receipts; cursors never move back; conv.list carries them', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  const aw = await watcher(t, s, a.token);
  const bw = await watcher(t, s, b.token);
  for (const text of ['1', '2', '3']) await a.client.request('msg.send', { to: b.id, clientId: cid(), text });

  assert.deepEqual(await b.client.request('conv.delivered', { conv, seq: 2 }), { conv, deliveredSeq: 2 });
  await eventually(() => assert.deepEqual(events(aw, 'receipt'), [{ conv, user: b.id, delivered: 2 }]));
  assert.deepEqual(await b.client.request('conv.delivered', { conv, seq: 1 }), { conv, deliveredSeq: 2 }, 'never back');
  assert.deepEqual(await b.client.request('conv.read', { conv, seq: 3 }), { conv, readSeq: 3 });
  await eventually(() =>
    assert.deepEqual(events(aw, 'receipt'), [
      { conv, user: b.id, delivered: 2 },
      { conv, user: b.id, read: 3 },
    ]),
  );
  await b.client.request('conv.read', { conv, seq: 3 });
  // The reader's own other devices get `read`, not a receipt.
  await eventually(() =>
    assert.deepEqual(events(bw, 'read'), [
      { conv, seq: 3 },
      { conv, seq: 3 },
    ]),
  );
  await a.client.request('ping', {});
  assert.equal(events(aw, 'receipt').length, 2, 'a cursor that did not move sends no receipt');
  assert.deepEqual(events(bw, 'receipt'), [], 'receipts go to the other member only');

  const listed = (await a.client.request('conv.list', {})).conversations[0]!;
  assert.deepEqual([listed.peerReadSeq, listed.peerDeliveredSeq], [3, 2]);
  assert.deepEqual(await a.client.request('msg.receipts', { conv, seq: 3 }), { read: 1, delivered: 1, readBy: [b.id] });
  // b's reply: a has not read it; it counts a's cursor, not b's.
  const reply = await b.client.request('msg.send', { conv, clientId: cid(), text: 'ok' });
  assert.deepEqual(await b.client.request('msg.receipts', { conv, seq: reply.seq }), { read: 0, delivered: 0, readBy: [] });
  await a.client.request('conv.delivered', { conv, seq: reply.seq });
  assert.deepEqual(await b.client.request('msg.receipts', { conv, seq: reply.seq }), { read: 0, delivered: 1, readBy: [] });
});

test('receipt requests beyond the conversation, for unknown messages or by outsiders are refused and change nothing', async (t) => {
  const s = await startTestServer({ groups: { whoReadMaxMembers: 0 } });
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  const c = await chatUser(t, s);
  const aw = await watcher(t, s, a.token);
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'hi' });
  await refused(b.client.request('conv.delivered', { conv, seq: 2 }), 'invalid_cursor');
  await refused(b.client.request('msg.receipts', { conv, seq: 2 }), 'message_not_found');
  await refused(c.client.request('conv.delivered', { conv, seq: 1 }), 'not_member');
  await refused(c.client.request('msg.receipts', { conv, seq: 1 }), 'not_member');
  assert.deepEqual(await a.client.request('msg.receipts', { conv, seq: 1 }), { read: 0, delivered: 0 }, 'who-read is off');
  const listed = (await a.client.request('conv.list', {})).conversations[0]!;
  assert.deepEqual([listed.peerReadSeq, listed.peerDeliveredSeq], [0, 0]);
  assert.deepEqual(events(aw, 'receipt'), []);
  // A conversation without messages: nothing to deliver.
  assert.deepEqual(await c.client.request('conv.delivered', { conv: directConvId(a.id, c.id), seq: 0 }), {
    conv: directConvId(a.id, c.id),
    deliveredSeq: 0,
  });
});

test('conversation flags: set per user, listed, and replayed on the user’s other devices through the account log', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'hi' });
  const aw = await watcher(t, s, a.token);
  const flags = async (u: typeof a) => {
    const c = (await u.client.request('conv.list', {})).conversations.find((x) => x.conv === conv)!;
    return { pinned: c.pinned, muted: c.muted, archived: c.archived };
  };
  assert.deepEqual(await flags(a), { pinned: false, muted: false, archived: false });
  assert.deepEqual(await a.client.request('conv.update', { conv, pinned: true, muted: true }), {
    conv,
    pinned: true,
    muted: true,
    archived: false,
  });
  assert.deepEqual(await a.client.request('conv.update', { conv, muted: false, archived: true }), {
    conv,
    pinned: true,
    muted: false,
    archived: true,
  });
  assert.deepEqual(await flags(a), { pinned: true, muted: false, archived: true });
  assert.deepEqual(await flags(b), { pinned: false, muted: false, archived: false }, 'flags are per user');

  const account = selfConvId(a.id);
  const expected = [
    { type: 'conv', conv, pinned: true, muted: true, archived: false },
    { type: 'conv', conv, pinned: true, muted: false, archived: true },
  ];
  await eventually(() =>
    assert.deepEqual(
      events(aw, 'msg').map((m) => [m!.conv, m!.kind, m!.event]),
      expected.map((e) => [account, 'account', e]),
    ),
  );
  // Setting what is already set adds nothing to the account log.
  assert.deepEqual(await a.client.request('conv.update', { conv, pinned: true }), { conv, pinned: true, muted: false, archived: true });
  assert.deepEqual(await a.client.request('conv.update', { conv }), { conv, pinned: true, muted: false, archived: true });
  const offline = await otherDevice(t, s, a);
  assert.deepEqual(
    (await syncAll(offline)).filter((m) => m.conv === account).map((m) => m.event),
    expected,
  );
  assert.equal((await a.client.request('conv.list', {})).conversations.length, 1, 'the account log is not listed');

  const c = await chatUser(t, s);
  await refused(c.client.request('conv.update', { conv, pinned: true }), 'not_member');
  await refused(a.client.request('conv.update', { conv: account, pinned: true }), 'forbidden');
  await refused(a.client.request('conv.update', { conv: `u:${b.id}`, pinned: true }), 'not_member');
  await refused(a.client.request('conv.update', { conv: directConvId(a.id, c.id), pinned: true }), 'conversation_not_found');
  await refused(a.client.request('conv.update', { conv, pinned: 'yes' as never }), 'invalid_frame', /data\.pinned/);
  assert.deepEqual(await flags(a), { pinned: true, muted: false, archived: true }, 'nothing changed');
  assert.equal((await syncAll(offline)).filter((m) => m.conv === account).length, 2);
});
