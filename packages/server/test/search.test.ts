import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { onlyOn } from './test-store.js';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { directConvId, selfConvId, type ErrorCode, type Message, type RequestData, type ResultData } from '@warbler/protocol';
import { WarblerRequestError, type WarblerClient } from '@warbler/sdk';
import { SqliteClient } from '../src/store/sql/sql-client-sqlite.js';
import { MIGRATIONS, stepSql, type DialectStep } from '../src/store/sql/migrations.js';
import { SqlStore } from '../src/store/sql/store-sql.js';
import type { NewMessage } from '../src/store/store.js';
import { newUser, sdkClient, startTestServer, tempDir, uniqueName, type TestServer } from './helpers.js';
import { appendAll } from './append-all.js';

type SearchData = RequestData<'msg.search'>;
type User = Awaited<ReturnType<typeof newUser>>;

let clientSeq = 0;
const search = (c: WarblerClient, data: SearchData): Promise<ResultData<'msg.search'>> => c.request('msg.search', data);
const texts = (r: { messages: Message[] }): (string | undefined)[] => r.messages.map((m) => m.text);

/** Asserts that the search fails with `code`. */
async function refused(c: WarblerClient, data: unknown, code: ErrorCode): Promise<void> {
  await assert.rejects(
    c.request('msg.search', data as SearchData),
    (e: unknown) => e instanceof WarblerRequestError && e.code === code,
    `${JSON.stringify(data)} → ${code}`,
  );
}

/** A server with users; closed after the test. */
async function setup(
  t: TestContext,
  n: number,
  overrides: Parameters<typeof startTestServer>[0] = {},
): Promise<{ s: TestServer; users: User[] }> {
  const s = await startTestServer(overrides);
  const users: User[] = [];
  for (let i = 0; i < n; i++) users.push(await newUser(s.wsUrl));
  t.after(async () => {
    users.forEach((u) => u.client.close());
    await s.close();
  });
  return { s, users };
}

/** Opens the server's database beside it, as a sub-store (or another helper's op) would write to it. */
function database(t: TestContext, s: TestServer): Database.Database {
  const db = new Database(join(s.dataDir, 'warbler.db'));
  db.pragma('busy_timeout = 5000');
  t.after(() => db.close());
  return db;
}

/** Appends messages straight through the store (kinds and conversations msg.send does not make). */
function append(
  s: TestServer,
  conv: string,
  members: number[],
  senderId: number,
  kind: string,
  body: object,
): Promise<{ id: number; seq: number }[]> {
  const m: NewMessage = {
    conv,
    members,
    senderId,
    clientId: `direct-${++clientSeq}`,
    kind,
    body: JSON.stringify(body),
    createdAt: Date.now(),
  };
  return appendAll(s.store, [m]);
}

test('finds a Chinese word inside a sentence, English in any case, and 2-character Chinese queries', async (t) => {
  const { users } = await setup(t, 2);
  const [alice, bob] = users as [User, User];
  const zh = await alice.client.send({ to: bob.id, text: '我昨天买了一个树莓派，打算做家庭服务器。' });
  const en = await alice.client.send({ to: bob.id, text: 'Bring the Raspberry Pi to the meeting' });
  await bob.client.send({ to: alice.id, text: '好的，明天见' });

  const r = await search(bob.client, { q: '树莓派' });
  assert.equal(r.next, undefined);
  assert.equal(r.messages.length, 1);
  const m = r.messages[0]!;
  // The wire form of the message, as sync gives it.
  assert.deepEqual(
    { id: m.id, conv: m.conv, seq: m.seq, from: m.from, kind: m.kind, text: m.text, ts: m.ts },
    { id: zh.id, conv: zh.conv, seq: zh.seq, from: alice.id, kind: 'text', text: '我昨天买了一个树莓派，打算做家庭服务器。', ts: zh.ts },
  );
  // The sender finds it too: it is in their conversation.
  assert.deepEqual(texts(await search(alice.client, { q: '树莓派' })), ['我昨天买了一个树莓派，打算做家庭服务器。']);

  for (const q of ['raspberry', 'RASPBERRY PI', 'rAsPbErRy', ' raspberry ', 'ｒａｓｐｂｅｒｒｙ']) {
    const found = await search(bob.client, { q });
    assert.deepEqual(
      found.messages.map((x) => x.id),
      [en.id],
      `${q} finds the English message`,
    );
  }
  // Two characters: below a trigram, still found anywhere in the text.
  assert.deepEqual(texts(await search(bob.client, { q: '服务' })), ['我昨天买了一个树莓派，打算做家庭服务器。']);
  assert.deepEqual(texts(await search(bob.client, { q: '明天' })), ['好的，明天见']);
  assert.deepEqual(texts(await search(bob.client, { q: 'pi' })), ['Bring the Raspberry Pi to the meeting']);
  assert.deepEqual((await search(bob.client, { q: '中文' })).messages, []);
  assert.deepEqual((await search(bob.client, { q: 'raspberries' })).messages, []);
});

test('a query with FTS or pattern syntax is searched for literally and never fails', async (t) => {
  const { users } = await setup(t, 2);
  const [alice, bob] = users as [User, User];
  const sent = ['say "hello" AND goodbye', 'a*b NEAR c', '100% sure_thing', 'plain hello goodbye', 'x[1] (y) {z} ^q -r +s', 'back\\slash'];
  for (const text of sent) await alice.client.send({ to: bob.id, text });
  const cases: [string, string[]][] = [
    ['"hello" AND', ['say "hello" AND goodbye']],
    ['hello AND goodbye', []],
    ['hello goodbye', ['plain hello goodbye']],
    ['hello', ['plain hello goodbye', 'say "hello" AND goodbye']],
    ['"hello"', ['say "hello" AND goodbye']],
    ['a*b', ['a*b NEAR c']],
    ['*b', ['a*b NEAR c']],
    ['a*', ['a*b NEAR c']],
    ['hello*', []],
    ['NEAR', ['a*b NEAR c']],
    ['near(', []],
    ['100%', ['100% sure_thing']],
    ['0%', ['100% sure_thing']],
    ['e_t', ['100% sure_thing']],
    ['%_', []],
    ['x[1]', ['x[1] (y) {z} ^q -r +s']],
    ['[1', ['x[1] (y) {z} ^q -r +s']],
    ['^q -r +s', ['x[1] (y) {z} ^q -r +s']],
    ['??', []],
    ['k\\s', ['back\\slash']],
    ["'; DROP TABLE messages; --", []],
    ['""', []],
    ['" OR "', []],
  ];
  for (const [q, want] of cases) {
    const r = await search(bob.client, { q });
    assert.deepEqual(texts(r), want, `q ${JSON.stringify(q)}`);
  }
  // Nothing was lost or broken by those queries.
  assert.equal((await search(bob.client, { q: 'goodbye' })).messages.length, 2);
});

test('never returns messages of conversations the user is not in, nor any account log', async (t) => {
  const { s, users } = await setup(t, 3);
  const [alice, bob, carol] = users as [User, User, User];
  await alice.client.send({ to: bob.id, text: 'secret 树莓派 plan between alice and bob' });
  await alice.client.send({ to: alice.id, text: 'note to self: 树莓派 password' });
  await carol.client.send({ to: bob.id, text: 'carol asks bob about the 树莓派' });
  // Account logs hold server events; even a text row written there is never searched.
  await append(s, selfConvId(bob.id), [bob.id], bob.id, 'account', { event: { type: 'friend.request', text: '树莓派' } });
  await append(s, selfConvId(bob.id), [bob.id], bob.id, 'text', { text: 'account log 树莓派' });

  assert.deepEqual(texts(await search(carol.client, { q: '树莓派' })), ['carol asks bob about the 树莓派']);
  assert.deepEqual(texts(await search(carol.client, { q: '树莓' })), ['carol asks bob about the 树莓派']);
  assert.deepEqual(texts(await search(bob.client, { q: '树莓派' })), [
    'carol asks bob about the 树莓派',
    'secret 树莓派 plan between alice and bob',
  ]);
  assert.deepEqual(texts(await search(alice.client, { q: '树莓派' })), [
    'note to self: 树莓派 password',
    'secret 树莓派 plan between alice and bob',
  ]);
  // Filters cannot widen it: another pair's conversation or someone's account log is refused.
  await refused(carol.client, { q: '树莓派', conv: directConvId(alice.id, bob.id) }, 'not_member');
  await refused(carol.client, { q: '树莓派', conv: selfConvId(bob.id) }, 'not_member');
  await refused(carol.client, { q: '树莓派', conv: directConvId(alice.id, alice.id) }, 'not_member');
  await refused(carol.client, { q: '树莓派', from: alice.id, conv: directConvId(alice.id, bob.id) }, 'not_member');
  assert.deepEqual((await search(carol.client, { q: '树莓派', from: alice.id })).messages, []);
  assert.deepEqual((await search(bob.client, { q: '树莓派', conv: selfConvId(bob.id) })).messages, []);
});

test(
  'a member who leaves a group (their member row deleted) stops finding its messages',
  onlyOn(['sqlite'], 'writes rows into the SQLite database file'),
  async (t) => {
    const { s, users } = await setup(t, 2);
    const [alice, bob] = users as [User, User];
    const db = database(t, s);
    // What the group store does on create: the conversation and its members (groups are built elsewhere).
    const conv = 'g:77';
    db.prepare("INSERT INTO conversations (id, kind, last_seq, created_at, updated_at) VALUES (?, 'group', 0, 0, 0)").run(conv);
    for (const u of [alice.id, bob.id])
      db.prepare('INSERT INTO members (conv_id, user_id, read_seq, joined_at) VALUES (?, ?, 0, 0)').run(conv, u);
    await append(s, conv, [alice.id, bob.id], alice.id, 'text', { text: '群里的树莓派讨论' });
    assert.deepEqual(texts(await search(bob.client, { q: '树莓派' })), ['群里的树莓派讨论']);
    db.prepare('DELETE FROM members WHERE conv_id = ? AND user_id = ?').run(conv, bob.id);
    assert.deepEqual((await search(bob.client, { q: '树莓派' })).messages, []);
    assert.deepEqual(texts(await search(alice.client, { q: '树莓派' })), ['群里的树莓派讨论']);
  },
);

test('conv and from filters narrow the results', async (t) => {
  const { users } = await setup(t, 3);
  const [alice, bob, carol] = users as [User, User, User];
  await alice.client.send({ to: bob.id, text: 'report 1 from alice to bob' });
  await bob.client.send({ to: alice.id, text: 'report 2 from bob to alice' });
  await alice.client.send({ to: carol.id, text: 'report 3 from alice to carol' });
  await carol.client.send({ to: alice.id, text: 'report 4 from carol to alice' });
  const ab = directConvId(alice.id, bob.id);
  const ac = directConvId(alice.id, carol.id);
  assert.deepEqual(texts(await search(alice.client, { q: 'report' })), [
    'report 4 from carol to alice',
    'report 3 from alice to carol',
    'report 2 from bob to alice',
    'report 1 from alice to bob',
  ]);
  assert.deepEqual(texts(await search(alice.client, { q: 'report', conv: ab })), [
    'report 2 from bob to alice',
    'report 1 from alice to bob',
  ]);
  assert.deepEqual(texts(await search(alice.client, { q: 'report', conv: ac })), [
    'report 4 from carol to alice',
    'report 3 from alice to carol',
  ]);
  assert.deepEqual(texts(await search(alice.client, { q: 'report', from: alice.id })), [
    'report 3 from alice to carol',
    'report 1 from alice to bob',
  ]);
  assert.deepEqual(texts(await search(alice.client, { q: 'report', from: carol.id })), ['report 4 from carol to alice']);
  assert.deepEqual(texts(await search(alice.client, { q: 'report', conv: ab, from: alice.id })), ['report 1 from alice to bob']);
  assert.deepEqual((await search(alice.client, { q: 'report', conv: ab, from: carol.id })).messages, []);
  // Short queries take the same filters.
  assert.deepEqual(texts(await search(alice.client, { q: 'rt', from: carol.id })), ['report 4 from carol to alice']);
});

test('pages newest first with next until the last page', async (t) => {
  const { users } = await setup(t, 2);
  const [alice, bob] = users as [User, User];
  const acks = [];
  for (let i = 1; i <= 25; i++)
    acks.push(await (i % 2 ? alice : bob).client.send({ to: (i % 2 ? bob : alice).id, text: `第${i}条 树莓派 item` }));
  const newestFirst = acks.map((a) => a.id).reverse();
  for (const q of ['树莓派', '莓派']) {
    const seen: number[] = [];
    let before: string | undefined;
    let pages = 0;
    do {
      const r = await search(alice.client, { q, limit: 10, ...(before ? { before } : {}) });
      assert.ok(r.messages.length <= 10);
      seen.push(...r.messages.map((m) => m.id));
      before = r.next;
      pages++;
    } while (before !== undefined && pages < 10);
    assert.deepEqual(seen, newestFirst, `${q}: every match once, newest first`);
    assert.equal(pages, 3);
  }
  // The default page is 20.
  const first = await search(bob.client, { q: 'item' });
  assert.equal(first.messages.length, 20);
  assert.ok(first.next);
  assert.deepEqual(
    (await search(bob.client, { q: 'item', before: first.next })).messages.map((m) => m.id),
    newestFirst.slice(20),
  );
});

test('a page also stops at half the send buffer', async (t) => {
  const { users } = await setup(t, 2, { gateway: { maxBufferedBytes: 2048 } });
  const [alice, bob] = users as [User, User];
  for (let i = 0; i < 4; i++) await alice.client.send({ to: bob.id, text: `big ${i} ${'x'.repeat(400)}` });
  const r1 = await search(bob.client, { q: 'big' });
  assert.ok(r1.messages.length >= 1 && r1.messages.length < 4, `${r1.messages.length} messages`);
  assert.ok(r1.next);
  const all = [...r1.messages];
  for (let r = r1; r.next;) {
    r = await search(bob.client, { q: 'big', before: r.next });
    all.push(...r.messages);
  }
  assert.deepEqual(
    all.map((m) => m.text!.slice(0, 5)),
    ['big 3', 'big 2', 'big 1', 'big 0'],
  );
});

test(
  'messages deleted for me and recalled ones are left out; an edited one is found by its new text',
  onlyOn(['sqlite'], 'writes rows into the SQLite database file'),
  async (t) => {
    const { s, users } = await setup(t, 2);
    const [alice, bob] = users as [User, User];
    const db = database(t, s);
    const conv = directConvId(alice.id, bob.id);
    const hidden = await alice.client.send({ to: bob.id, text: 'keyword one, deleted by bob for himself' });
    const recalled = await alice.client.send({ to: bob.id, text: 'keyword two, recalled by alice' });
    const edited = await alice.client.send({ to: bob.id, text: 'keyword three, before the edit' });
    await alice.client.send({ to: bob.id, text: 'keyword four, untouched' });
    // Indexed before the actions, so the actions have to take effect on the index.
    assert.equal((await search(bob.client, { q: 'keyword' })).messages.length, 4);

    // What the actions ops write (built elsewhere): delete for me is a hidden_messages row; a recall empties
    // the target and appends a `recall` row; an edit rewrites the target's body and appends an `edit` row.
    db.prepare('INSERT INTO hidden_messages (user_id, conv_id, seq) VALUES (?, ?, ?)').run(bob.id, conv, hidden.seq);
    db.prepare("UPDATE messages SET body = '{}', recalled_at = ? WHERE id = ?").run(Date.now(), recalled.id);
    await append(s, conv, [alice.id, bob.id], alice.id, 'recall', { target: recalled.seq });
    db.prepare('UPDATE messages SET body = ?, edited_at = ? WHERE id = ?').run(
      JSON.stringify({ text: 'keyword three, edited 树莓派' }),
      Date.now(),
      edited.id,
    );
    await append(s, conv, [alice.id, bob.id], alice.id, 'edit', { target: edited.seq, text: 'keyword three, edited 树莓派' });

    const forBob = await search(bob.client, { q: 'keyword' });
    assert.deepEqual(texts(forBob), ['keyword four, untouched', 'keyword three, edited 树莓派']);
    assert.equal(forBob.messages[1]!.edited, true, 'an edited message says so');
    assert.equal(forBob.messages[0]!.edited, undefined);
    // Deleted for bob only: alice still finds it. Recalled: nobody does.
    assert.deepEqual(texts(await search(alice.client, { q: 'keyword' })), [
      'keyword four, untouched',
      'keyword three, edited 树莓派',
      'keyword one, deleted by bob for himself',
    ]);
    assert.deepEqual((await search(alice.client, { q: 'recalled' })).messages, []);
    assert.deepEqual((await search(alice.client, { q: 'before the edit' })).messages, []);
    assert.deepEqual(texts(await search(bob.client, { q: '树莓派' })), ['keyword three, edited 树莓派']);
    assert.deepEqual((await search(bob.client, { q: 'deleted' })).messages, []);
    // A recall the indexer had not reached yet: the recalled message is still left out.
    const late = await alice.client.send({ to: bob.id, text: 'keyword five, recalled at once' });
    db.prepare("UPDATE messages SET body = '{}', recalled_at = ? WHERE id = ?").run(Date.now(), late.id);
    await append(s, conv, [alice.id, bob.id], alice.id, 'recall', { target: late.seq });
    assert.deepEqual((await search(bob.client, { q: 'keyword five' })).messages, []);
  },
);

test('a message acked just before a search is found by it', async (t) => {
  const { users } = await setup(t, 2);
  const [alice, bob] = users as [User, User];
  for (let i = 0; i < 30; i++) {
    const word = `${uniqueName('w')}词${i}`;
    const ack = await alice.client.send({ to: bob.id, text: `fresh ${word} now` });
    const r = await search(i % 2 ? alice.client : bob.client, { q: word });
    assert.deepEqual(
      r.messages.map((m) => m.id),
      [ack.id],
      `message ${i} is found right after its ack`,
    );
  }
});

test('captions, file names, place names and custom text are searchable; reactions and events are not', async (t) => {
  const { s, users } = await setup(t, 2);
  const [alice, bob] = users as [User, User];
  const conv = directConvId(alice.id, bob.id);
  const members = [alice.id, bob.id];
  await append(s, conv, members, alice.id, 'file', { media: { url: 'https://x.example/f', name: '季度报告.PDF' }, text: 'the numbers' });
  await append(s, conv, members, alice.id, 'image', { media: { url: 'https://x.example/i', name: 'IMG_0001.jpg' }, text: '海边的日落' });
  await append(s, conv, members, alice.id, 'location', { location: { lat: 1, lon: 2, name: 'Central Park', address: '5th Avenue' } });
  await append(s, conv, members, alice.id, 'custom', { custom: { type: 'card', text: 'Order #42 shipped' } });
  await append(s, conv, members, alice.id, 'custom', { custom: ['not', 'searchable'] });
  await append(s, conv, members, alice.id, 'reaction', { target: 1, emoji: 'searchable', on: true });
  const kinds = async (q: string) => (await search(bob.client, { q })).messages.map((m) => m.kind);
  assert.deepEqual(await kinds('季度报告'), ['file']);
  assert.deepEqual(await kinds('.pdf'), ['file']);
  assert.deepEqual(await kinds('numbers'), ['file']);
  assert.deepEqual(await kinds('日落'), ['image']);
  assert.deepEqual(await kinds('central park'), ['location']);
  assert.deepEqual(await kinds('5th ave'), ['location']);
  assert.deepEqual(await kinds('order #42'), ['custom']);
  assert.deepEqual(await kinds('searchable'), []);
  assert.deepEqual(await kinds('https'), [], 'URLs are not searched');
});

test('a search walks past many matches the user may not see, in steps', async (t) => {
  const { s, users } = await setup(t, 3);
  const [alice, bob, carol] = users as [User, User, User];
  const mine = await carol.client.send({ to: alice.id, text: 'carol 树莓派 ab' });
  // 25,000 newer matches in a conversation carol is not in: more than one step of candidates, and more
  // than one scan window for the two-character query.
  const conv = directConvId(alice.id, bob.id);
  for (let i = 0; i < 25; i++)
    await appendAll(
      s.store,
      Array.from({ length: 1000 }, (_, j) => ({
        conv,
        members: [alice.id, bob.id],
        senderId: alice.id,
        clientId: `bulk-${i}-${j}`,
        kind: 'text',
        body: JSON.stringify({ text: `bulk 树莓派 ab ${i}.${j}` }),
        createdAt: Date.now(),
      })),
    );
  for (const q of ['树莓派', 'ab']) {
    const found: number[] = [];
    let before: string | undefined;
    for (let calls = 0; calls < 100; calls++) {
      const r = await search(carol.client, { q, ...(before ? { before } : {}) });
      found.push(...r.messages.map((m) => m.id));
      before = r.next;
      if (!before) break;
    }
    assert.equal(before, undefined, `${q}: the walk ends`);
    assert.deepEqual(found, [mine.id], `${q}: carol finds her message only`);
  }
  assert.equal((await search(bob.client, { q: '树莓派', limit: 100 })).messages.length, 100);
});

test('bad input gets its documented error and changes nothing', async (t) => {
  const { s, users } = await setup(t, 3, { search: { minQueryChars: 3 } });
  const [alice, bob, carol] = users as [User, User, User];
  await alice.client.send({ to: bob.id, text: '中文消息 hello there' });
  const before = await search(bob.client, { q: 'hello' });
  const lastSeq = (await s.store.getConversation(directConvId(alice.id, bob.id)))!.lastSeq;
  const cases: [unknown, ErrorCode][] = [
    [{ q: '' }, 'invalid_query'],
    [{ q: '   ' }, 'invalid_query'],
    [{ q: '\t\n' }, 'invalid_query'],
    [{ q: 'a' }, 'invalid_query'],
    [{ q: '中文' }, 'invalid_query'],
    [{ q: ' he ' }, 'invalid_query'],
    [{ q: '\u0000\u0000a' }, 'invalid_query'],
    [{ q: 'hello', conv: directConvId(alice.id, bob.id) }, 'not_member'],
    [{ q: 'hello', conv: `d:${Math.max(bob.id, carol.id)}:${Math.min(bob.id, carol.id)}` }, 'conversation_not_found'],
    [{ q: 'hello', conv: directConvId(carol.id, 999999) }, 'conversation_not_found'],
    [{ q: 'hello', conv: 'g:12345' }, 'conversation_not_found'],
    [{ q: 'hello', conv: selfConvId(alice.id) }, 'not_member'],
    [{ q: 'hello', before: 'abc' }, 'invalid_cursor'],
    [{ q: 'hello', before: '0' }, 'invalid_cursor'],
    [{ q: 'hello', before: '-5' }, 'invalid_cursor'],
    [{ q: 'hello', conv: 'x:1' }, 'invalid_frame'],
    [{ q: 'hello', from: 0 }, 'invalid_frame'],
    [{ q: 'hello', limit: 0 }, 'invalid_frame'],
    [{ q: 'hello', limit: 101 }, 'invalid_frame'],
    [{ q: 'h'.repeat(201) }, 'invalid_frame'],
    [{ q: 5 }, 'invalid_frame'],
    [{}, 'invalid_frame'],
  ];
  for (const [data, code] of cases) await refused(carol.client, data, code);
  // Nothing changed: the conversation and what a search finds are as before.
  assert.equal((await s.store.getConversation(directConvId(alice.id, bob.id)))!.lastSeq, lastSeq);
  assert.deepEqual(await search(bob.client, { q: 'hello' }), before);
  assert.deepEqual((await search(carol.client, { q: 'hello' })).messages, []);
  // Three characters is enough here.
  assert.deepEqual(texts(await search(bob.client, { q: '中文消' })), ['中文消息 hello there']);
});

test('the index survives a restart and catches up with what was stored meanwhile', async (t) => {
  const s1 = await startTestServer();
  const alice = await newUser(s1.wsUrl);
  const bob = await newUser(s1.wsUrl);
  await alice.client.send({ to: bob.id, text: 'before the restart 树莓派' });
  assert.equal((await search(bob.client, { q: '树莓派' })).messages.length, 1);
  await alice.client.send({ to: bob.id, text: 'just before stopping 树莓派' });
  alice.client.close();
  bob.client.close();
  await s1.stop();
  const s2 = await startTestServer({}, s1.dataDir);
  t.after(() => s2.close());
  const bob2 = await sdkClient(s2.wsUrl);
  t.after(() => bob2.close());
  await bob2.login(bob.username, 'password-123');
  assert.deepEqual(texts(await search(bob2, { q: '树莓派' })), ['just before stopping 树莓派', 'before the restart 树莓派']);
});

test('the indexer reads in id order, one batch per call, and resumes where it stopped after a reopen', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'warbler.db');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const open = async (): Promise<SqlStore> => {
    const store = new SqlStore(new SqliteClient({ file, synchronous: 'normal' }));
    await store.migrate();
    return store;
  };
  const store = await open();
  const [a, b] = (
    await store.createUsers(
      ['ia', 'ib'].map((username) => ({ username, displayName: username, passwordHash: 'x', isAdmin: false, createdAt: 0 })),
    )
  ).map((u) => u.user.id) as [number, number];
  const conv = directConvId(a, b);
  const msg = (i: number): NewMessage => ({
    conv,
    members: [a, b],
    senderId: a,
    clientId: `i${i}`,
    kind: 'text',
    body: JSON.stringify({ text: `第${i}条` }),
    createdAt: 0,
  });
  await appendAll(
    store,
    Array.from({ length: 1200 }, (_, i) => msg(i)),
  );
  const seen: string[] = [];
  const textOf = (m: { body: string }): string => {
    seen.push((JSON.parse(m.body) as { text: string }).text);
    return 'x';
  };
  assert.deepEqual([await store.search.indexNext(500, textOf), await store.search.indexNext(500, textOf)], [500, 500]);
  assert.equal(await store.search.indexedUpTo(), (await store.search.latestId()) - 200);
  await store.close();

  const again = await open();
  t.after(() => again.close());
  assert.equal(await again.search.indexNext(500, textOf), 200, 'the rest, after the reopen');
  assert.equal(await again.search.indexNext(500, textOf), 0);
  assert.deepEqual(
    seen,
    Array.from({ length: 1200 }, (_, i) => `第${i}条`),
    'each message read once, in id order',
  );
  assert.equal(await again.search.indexedUpTo(), await again.search.latestId());
  await appendAll(again, [msg(1200), msg(1201)]);
  assert.equal(await again.search.indexNext(500, textOf), 2);
});

test('a migration step may be for some dialects only; the others skip it', () => {
  assert.equal(stepSql('CREATE TABLE t (x INT)', 'postgres'), 'CREATE TABLE t (x INT)');
  assert.equal(
    stepSql({ only: ['sqlite'], sql: 'CREATE VIRTUAL TABLE v USING fts5(x)' }, 'sqlite'),
    'CREATE VIRTUAL TABLE v USING fts5(x)',
  );
  assert.equal(stepSql({ only: ['sqlite'], sql: 'CREATE VIRTUAL TABLE v USING fts5(x)' }, 'postgres'), undefined);
  assert.equal(stepSql({ only: ['sqlite'], sql: 'CREATE VIRTUAL TABLE v USING fts5(x)' }, 'mysql'), undefined);
  // The search migration keeps its FTS5 table SQLite-only; its tables are portable.
  const search = MIGRATIONS.find((m) => m.version === 5)!;
  assert.deepEqual(
    search.up.filter((s) => typeof s !== 'string').map((s) => (s as DialectStep).only),
    [['sqlite']],
  );
});
