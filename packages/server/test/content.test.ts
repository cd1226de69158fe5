import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message, RequestData } from '@warbler/protocol';
import { chatPair, chatUser, cid, otherDevice, read, refused, snapshot, syncAll } from './chat-helpers.js';
import { eventually, startTestServer } from './helpers.js';

type Send = Omit<RequestData<'msg.send'>, 'clientId' | 'conv' | 'to'>;

/** The content fields of a message: what a reader sees besides the header. */
function content(m: Message): Record<string, unknown> {
  const header = new Set(['id', 'conv', 'seq', 'from', 'clientId', 'ts']);
  return Object.fromEntries(Object.entries(m).filter(([k]) => !header.has(k)));
}

test('every content kind is stored, pushed, read back and synced as sent', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  const sent: [Send, Record<string, unknown>][] = [
    [{ text: 'plain 你好' }, { kind: 'text', text: 'plain 你好' }],
    [
      // Unknown members of media are not stored.
      { kind: 'image', media: { url: 'https://img.example/1.png', width: 640, height: 480, mime: 'image/png', x: 1 } as never },
      { kind: 'image', media: { url: 'https://img.example/1.png', mime: 'image/png', width: 640, height: 480 } },
    ],
    [
      { kind: 'file', text: 'the report', media: { attachment: 'att-17', name: 'report.pdf', size: 123456, mime: 'application/pdf' } },
      { kind: 'file', text: 'the report', media: { attachment: 'att-17', name: 'report.pdf', mime: 'application/pdf', size: 123456 } },
    ],
    [
      { kind: 'audio', media: { url: 'https://a.example/v.ogg', duration: 5300 } },
      { kind: 'audio', media: { url: 'https://a.example/v.ogg', duration: 5300 } },
    ],
    [
      { kind: 'video', media: { url: 'https://v.example/c.mp4', thumbnail: 'https://v.example/c.jpg', duration: 60000 } },
      { kind: 'video', media: { url: 'https://v.example/c.mp4', duration: 60000, thumbnail: 'https://v.example/c.jpg' } },
    ],
    [
      { kind: 'location', location: { lat: 52.52, lon: 13.405, name: 'Berlin', address: 'Alexanderplatz' } },
      { kind: 'location', location: { lat: 52.52, lon: 13.405, name: 'Berlin', address: 'Alexanderplatz' } },
    ],
    [
      { kind: 'custom', text: 'a poll (update your app)', custom: { type: 'poll', options: ['tea', 'coffee'], multi: false, n: null } },
      { kind: 'custom', text: 'a poll (update your app)', custom: { type: 'poll', options: ['tea', 'coffee'], multi: false, n: null } },
    ],
    [
      { kind: 'custom', custom: 42 },
      { kind: 'custom', custom: 42 },
    ],
  ];
  for (const [i, [data]] of sent.entries()) {
    const ack = await a.client.request('msg.send', { to: b.id, clientId: cid(), ...data });
    assert.equal(ack.seq, i + 1);
  }
  const expected = sent.map(([, want]) => want);
  await eventually(() => assert.equal(b.got.length, sent.length));
  assert.deepEqual(b.got.map(content), expected, 'pushed as stored');
  assert.deepEqual((await read(a.client, conv)).map(content), expected, 'read back by history');
  const offline = await otherDevice(t, s, b);
  assert.deepEqual((await syncAll(offline)).map(content), expected, 'synced by a device that was offline');
});

test('a reply carries the server’s quote of its target; a reply to nothing, a recalled or a non-content message is refused', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  const long = `${'é'.repeat(150)}${'😀'.repeat(100)}`;
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: long });
  await a.client.request('msg.send', { to: b.id, clientId: cid(), kind: 'image', media: { url: 'https://i.example/x.png' } });
  const r1 = await b.client.request('msg.send', { conv, clientId: cid(), text: 'so true', replyTo: 1 });
  const r2 = await b.client.request('msg.send', { conv, clientId: cid(), text: 'nice pic', replyTo: 2 });
  const msgs = await read(a.client, conv);
  // The first 200 characters (code points: no emoji is cut in half).
  assert.deepEqual(msgs[r1.seq - 1]!.replyTo, { seq: 1, from: a.id, kind: 'text', text: `${'é'.repeat(150)}${'😀'.repeat(50)}` });
  assert.deepEqual(msgs[r2.seq - 1]!.replyTo, { seq: 2, from: a.id, kind: 'image' }, 'no text to quote');
  await eventually(() => assert.deepEqual(a.got.at(-1)?.replyTo, { seq: 2, from: a.id, kind: 'image' }), 2000);

  await a.client.request('msg.recall', { conv, seq: 2, clientId: cid() });
  const before = await snapshot(b.client, conv);
  const reply = (replyTo: number) => b.client.request('msg.send', { conv, clientId: cid(), text: 'hm', replyTo });
  await refused(reply(99), 'message_not_found');
  await refused(reply(2), 'message_recalled');
  await refused(reply(5), 'not_actionable', /recall/);
  assert.equal(await snapshot(b.client, conv), before, 'nothing changed');
});

test('mentions: members only; the mentioned peer sees `mentioned` until they read; @all is for groups', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  const c = await chatUser(t, s);
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'hi' });
  const listed = async (u: typeof a) => (await u.client.request('conv.list', {})).conversations.find((x) => x.conv === conv)!;
  assert.equal((await listed(b)).mentioned, false);
  const ack = await a.client.request('msg.send', { to: b.id, clientId: cid(), text: '@b look', mentions: [b.id, b.id] });
  assert.deepEqual((await read(b.client, conv)).at(-1)?.mentions, [b.id], 'mentioned once');
  assert.equal((await listed(b)).mentioned, true);
  assert.equal((await listed(a)).mentioned, false, 'the sender is not mentioned');
  await b.client.markRead(conv, ack.seq);
  assert.equal((await listed(b)).mentioned, false, 'read: no longer flagged');

  const before = await snapshot(b.client, conv);
  await refused(a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'x', mentions: [c.id] }), 'invalid_message', /mentions/);
  await refused(a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'x', mentionAll: true }), 'invalid_message', /mentionAll/);
  assert.equal(await snapshot(b.client, conv), before, 'nothing changed');
});

test('content that does not fit its kind, or is too large, is refused and stores nothing', async (t) => {
  const s = await startTestServer({ limits: { maxContentBytes: 300, maxTextChars: 50 } });
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'first' });
  const before = await snapshot(b.client, conv);
  const url = 'https://x.example/y.png';
  const cases: [string, Record<string, unknown>, string, RegExp?][] = [
    ['text without text', { kind: 'text' }, 'invalid_message', /data\.text/],
    ['text with media', { text: 'x', media: { url } }, 'invalid_message', /data\.media/],
    ['text with a location', { text: 'x', location: { lat: 1, lon: 2 } }, 'invalid_message', /data\.location/],
    ['text with custom', { text: 'x', custom: {} }, 'invalid_message', /data\.custom/],
    ['image without media', { kind: 'image', text: 'caption' }, 'invalid_message', /data\.media/],
    ['image without url or attachment', { kind: 'image', media: { name: 'x.png' } }, 'invalid_message', /url or an attachment/],
    ['file with a location', { kind: 'file', media: { url }, location: { lat: 1, lon: 2 } }, 'invalid_message', /data\.location/],
    ['location without a location', { kind: 'location' }, 'invalid_message', /data\.location/],
    ['location with text', { kind: 'location', text: 'here', location: { lat: 1, lon: 2 } }, 'invalid_message', /data\.text/],
    ['custom without custom', { kind: 'custom', text: 'fallback' }, 'invalid_message', /data\.custom/],
    ['custom with media', { kind: 'custom', custom: 1, media: { url } }, 'invalid_message', /data\.media/],
    ['custom over maxContentBytes', { kind: 'custom', custom: { blob: 'x'.repeat(300) } }, 'content_too_large', /data\.custom/],
    ['media over maxContentBytes', { kind: 'image', media: { url: `${url}?${'q'.repeat(300)}` } }, 'content_too_large', /data\.media/],
    ['a caption over maxTextChars', { kind: 'video', media: { url }, text: 'x'.repeat(51) }, 'text_too_long'],
    ['an action kind', { kind: 'edit', text: 'x' }, 'invalid_frame', /data\.kind/],
    ['an unknown kind', { kind: 'sticker', text: 'x' }, 'invalid_frame', /data\.kind/],
    ['a latitude out of range', { kind: 'location', location: { lat: 91, lon: 0 } }, 'invalid_frame', /data\.location\.lat/],
    ['a mention that is not a user id', { text: 'x', mentions: ['b'] }, 'invalid_frame', /data\.mentions/],
  ];
  for (const [name, data, code, message] of cases)
    await t.test(name, () =>
      refused(a.client.request('msg.send', { to: b.id, clientId: cid(), ...data } as never), code as never, message),
    );
  assert.equal(await snapshot(b.client, conv), before, 'nothing was stored');
  assert.equal(b.got.length, 1, 'nothing was pushed');
});
