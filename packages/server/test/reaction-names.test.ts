import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chatPair, chatUser, cid, otherDevice, read, refused, snapshot, syncAll } from './chat-helpers.js';
import { eventually, startTestServer } from './helpers.js';

/** Emojis that are names of built-in object properties: a lookup in a plain object finds something for them. */
const PROTOTYPE_NAMES = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupSetter__',
  'prototype',
  'length',
];

test('reactions named like built-in object properties are added, taken back, shown in history and sync, never internal', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'objects' }); // 1
  const react = (u: typeof a, emoji: string, on: boolean) => u.client.request('msg.react', { conv, seq: 1, emoji, on, clientId: cid() });

  for (const emoji of PROTOTYPE_NAMES) {
    const ack = await react(b, emoji, true);
    assert.equal(ack.duplicate, false, emoji);
  }
  await react(a, '__proto__', true);
  await react(a, 'constructor', true);
  await react(b, 'constructor', true); // twice: changes nothing
  await react(a, 'toString', false); // never given: changes nothing
  await react(b, 'toString', false);
  await react(b, '__proto__', false);

  const expected: [string, number[]][] = [
    ['constructor', [b.id, a.id]],
    ['__proto__', [a.id]],
    ['hasOwnProperty', [b.id]],
    ['valueOf', [b.id]],
    ['isPrototypeOf', [b.id]],
    ['propertyIsEnumerable', [b.id]],
    ['toLocaleString', [b.id]],
    ['__defineGetter__', [b.id]],
    ['__lookupSetter__', [b.id]],
    ['prototype', [b.id]],
    ['length', [b.id]],
  ];
  // Compared as entries: an object literal with a `__proto__` key would set the prototype instead.
  const entries = (r: Record<string, number[]> | undefined) => Object.entries(r ?? {});
  for (const reader of [a, b]) assert.deepEqual(entries((await read(reader.client, conv))[0]!.reactions), expected);

  const offline = await otherDevice(t, s, b);
  const synced = (await syncAll(offline)).filter((m) => m.conv === conv);
  assert.deepEqual(entries(synced[0]!.reactions), expected, 'sync shows the same state');
  assert.deepEqual(
    synced.filter((m) => m.kind === 'reaction').map((m) => [m.from, m.emoji, m.on]),
    [
      ...PROTOTYPE_NAMES.map((e) => [b.id, e, true]),
      [a.id, '__proto__', true],
      [a.id, 'constructor', true],
      [b.id, 'constructor', true],
      [a.id, 'toString', false],
      [b.id, 'toString', false],
      [b.id, '__proto__', false],
    ],
    'every entry is replayed with its emoji',
  );
  const fromB = () => a.got.filter((m) => m.kind === 'reaction' && m.from === b.id);
  await eventually(() => assert.equal(fromB().length, PROTOTYPE_NAMES.length + 3));
  assert.deepEqual(
    fromB().map((m) => m.emoji),
    [...PROTOTYPE_NAMES, 'constructor', 'toString', '__proto__'],
    'pushed to the peer',
  );
  const list = await a.client.request('conv.list', {});
  assert.equal(list.conversations[0]!.lastMessage?.emoji, '__proto__');
});

test('the reaction cap counts a built-in property name as a new emoji, and a refused one changes nothing', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'popular' });
  for (let i = 0; i < 50; i++) await b.client.request('msg.react', { conv, seq: 1, emoji: `e${i}`, on: true, clientId: cid() });
  const before = await snapshot(a.client, conv);
  for (const emoji of ['constructor', '__proto__', 'toString', 'hasOwnProperty'])
    await refused(a.client.request('msg.react', { conv, seq: 1, emoji, on: true, clientId: cid() }), 'invalid_message', /50 different/);
  assert.equal(await snapshot(a.client, conv), before, 'nothing changed');
  // One already on the message may still be added by another user.
  await a.client.request('msg.react', { conv, seq: 1, emoji: 'e7', on: true, clientId: cid() });
  assert.deepEqual((await read(a.client, conv))[0]!.reactions!['e7'], [b.id, a.id]);
});

test('reactions named like object properties, pipelined among another user’s sends, leave those sends alone', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  const c = await chatUser(t, s);
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'target' });
  // c's sends and b's reactions arrive together, so they share write batches.
  const sends = Array.from({ length: 100 }, (_, i) => c.client.request('msg.send', { to: a.id, clientId: cid('c'), text: `n${i}` }));
  const reactions = PROTOTYPE_NAMES.map((emoji) => b.client.request('msg.react', { conv, seq: 1, emoji, on: true, clientId: cid() }));
  const results = await Promise.allSettled([...sends, ...reactions]);
  assert.deepEqual(
    results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
    [],
    'every send and every reaction is acknowledged',
  );
  assert.equal((await read(a.client, conv))[0]!.reactions!['valueOf']?.[0], b.id);
});
