import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import type { Message } from '@warbler/protocol';
import { SqliteClient } from '../src/store/sql/sql-client-sqlite.js';
import { MIGRATIONS, stepSql } from '../src/store/sql/migrations.js';
import { SqlStore } from '../src/store/sql/store-sql.js';
import { chatPair, chatUser, cid, otherDevice, read, syncAll, type ChatUser } from './chat-helpers.js';
import { eventually, startTestServer, tempDir, type TestServer } from './helpers.js';
import { appendAll } from './append-all.js';
import { onlyOn } from './test-store.js';

/** A word that is in every copy of the recalled text and nowhere else. */
const SECRET = 'pelican';

/** Opens the server's database read-only beside it, to see what is stored at rest. */
function database(t: TestContext, s: TestServer): Database.Database {
  const db = new Database(join(s.dataDir, 'warbler.db'), { readonly: true });
  t.after(() => db.close());
  return db;
}

/** Everything `u` can read of `conv` now: history, a sync from scratch on another device, the conversation list, search. */
async function everythingSeenBy(t: TestContext, s: TestServer, u: ChatUser, conv: string): Promise<string> {
  const device = await otherDevice(t, s, u);
  const [history, synced, list, found] = await Promise.all([
    read(u.client, conv),
    syncAll(device),
    u.client.request('conv.list', {}),
    u.client.request('msg.search', { q: SECRET }),
  ]);
  return JSON.stringify({ history, synced, list, found });
}

test(
  'a recall removes the text everywhere: its edits and the quotes in replies, for every reader, a later member, search and the disk',
  onlyOn(['sqlite'], 'reads the SQLite file'),
  async (t) => {
    const s = await startTestServer();
    t.after(() => s.close());
    const a = await chatUser(t, s);
    const b = await chatUser(t, s);
    const late = await chatUser(t, s);
    const { group } = await a.client.request('group.create', { name: 'birds', members: [b.id] }); // 1
    const conv = group.conv;
    await a.client.request('msg.send', { conv, clientId: cid(), text: `first ${SECRET} draft` }); // 2
    await a.client.request('msg.edit', { conv, seq: 2, text: `second ${SECRET} draft`, clientId: cid() }); // 3
    await b.client.request('msg.send', { conv, clientId: cid(), text: 'what do you mean?', replyTo: 2 }); // 4
    await a.client.request('msg.send', { conv, clientId: cid(), kind: 'image', media: { url: 'https://i.example/p.png' }, text: 'a bird' }); // 5
    await b.client.request('msg.send', { conv, clientId: cid(), text: 'nice', replyTo: 5 }); // 6
    assert.match(JSON.stringify(await read(b.client, conv)), new RegExp(SECRET), 'readable before the recall');

    await a.client.request('msg.recall', { conv, seq: 2, clientId: cid() }); // 7
    await a.client.request('group.add', { conv, users: [late.id] }); // 8
    await eventually(() => assert.equal(b.got.at(-1)?.seq, 8));

    for (const reader of [a, b, late]) {
      const seen = await everythingSeenBy(t, s, reader, conv);
      assert.doesNotMatch(seen, new RegExp(SECRET), `user ${reader.id} sees no copy of the recalled text`);
      const byseq = new Map((await read(reader.client, conv)).map((m) => [m.seq, m]));
      const strip = (m: Message | undefined) => m && { ...m, id: 0, clientId: '', ts: 0 };
      assert.deepEqual(strip(byseq.get(2)), { id: 0, conv, seq: 2, from: a.id, clientId: '', ts: 0, kind: 'text', recalled: true });
      assert.deepEqual(
        strip(byseq.get(3)),
        { id: 0, conv, seq: 3, from: a.id, clientId: '', ts: 0, kind: 'edit', target: 2, recalled: true },
        'the edit entry stays in the sequence without its text',
      );
      assert.deepEqual(
        byseq.get(4)!.replyTo,
        { seq: 2, from: a.id, kind: 'text', recalled: true },
        'the quote keeps who and what, not the text',
      );
      assert.equal(byseq.get(4)!.text, 'what do you mean?', 'the reply itself is untouched');
      assert.deepEqual(
        byseq.get(6)!.replyTo,
        { seq: 5, from: a.id, kind: 'image', text: 'a bird' },
        'a quote of another message is untouched',
      );
    }
    const db = database(t, s);
    const stored = (sql: string) => db.prepare(sql).all(`%${SECRET}%`);
    assert.deepEqual(stored('SELECT seq, kind, body FROM messages WHERE body LIKE ?'), [], 'no message row holds the text');
    assert.deepEqual(stored('SELECT id FROM message_text WHERE text LIKE ?'), [], 'the search index holds none of it');
  },
);

test('an edit or a reply stored right after a recall of its target (sent together) carries none of its text', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  let storedAfterRecall = 0;
  for (let round = 0; round < 5; round++) {
    const target = await a.client.request('msg.send', { to: b.id, clientId: cid(), text: `${SECRET} ${round}` });
    // Sent together on one connection: the edit and the reply are checked before the recall is stored.
    const [recall, edit, reply] = await Promise.allSettled([
      a.client.request('msg.recall', { conv, seq: target.seq, clientId: cid() }),
      a.client.request('msg.edit', { conv, seq: target.seq, text: `${SECRET} edited`, clientId: cid() }),
      a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'as I said', replyTo: target.seq }),
    ]);
    assert.equal(recall.status, 'fulfilled');
    // Either stored after the recall (then without the text) or refused as recalled: never anything else.
    for (const r of [edit, reply]) {
      if (r.status === 'rejected') assert.match(String(r.reason), /: message_recalled:/);
      else storedAfterRecall++;
    }
  }
  assert.ok(storedAfterRecall > 0, 'the race happened: an edit or a reply was stored after the recall of its target');
  const last = (await read(a.client, conv)).at(-1)!.seq;
  await eventually(() => assert.equal(b.got.at(-1)?.seq, last));
  const afterSend = (ms: Message[]) => ms.filter((m) => !(m.kind === 'text' && m.text?.startsWith(SECRET) && !m.replyTo));
  assert.doesNotMatch(JSON.stringify(afterSend(b.got)), new RegExp(`${SECRET} edited|"text":"${SECRET}`), 'pushes carry no copy');
  for (const reader of [a, b]) assert.doesNotMatch(await everythingSeenBy(t, s, reader, conv), new RegExp(SECRET));
});

test('forwarded copies are the forwarder’s messages: a recall of the original leaves them', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);
  const c = await chatUser(t, s);
  await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'worth sharing' });
  const copy = await b.client.request('msg.forward', { conv, seq: 1, to: c.id, clientId: cid() });
  await a.client.request('msg.recall', { conv, seq: 1, clientId: cid() });
  assert.equal((await read(a.client, conv))[0]!.recalled, true);
  const [fwd] = await read(c.client, copy.conv);
  assert.deepEqual([fwd!.text, fwd!.forwarded?.from], ['worth sharing', a.id]);
});

test('migration 9 removes the copies of messages recalled before it; a later recall finds the copies made before it', async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'warbler.db');
  // A database as the versions before migration 9 left it: a recall emptied its target only.
  const old = new SqliteClient({ file, synchronous: 'normal' });
  await old.exec(
    'CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at INTEGER NOT NULL)',
  );
  for (const m of MIGRATIONS.filter((x) => x.version < 9))
    await old.transaction(async (tx) => {
      for (const step of m.up) {
        const sql = stepSql(step, 'sqlite');
        if (sql !== undefined) await tx.run(old.dialect.ddl(sql));
      }
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 1)', [m.version, m.name]);
    });
  const quote = (seq: number, text: string) => ({ seq, from: 1, kind: 'text', text });
  const rows: [number, string, object, number | null][] = [
    [1, 'text', {}, 11],
    [2, 'edit', { target: 1, text: `${SECRET} edited` }, null],
    [3, 'text', { text: 'ok', replyTo: quote(1, SECRET) }, null],
    [4, 'text', { text: 'keep me too' }, null],
    [5, 'edit', { target: 4, text: 'keep me too' }, null],
    [6, 'text', { text: 're', mentions: [1], replyTo: quote(4, 'keep me') }, null],
    [7, 'recall', { target: 1 }, null],
  ];
  await old.transaction(async (tx) => {
    await tx.run(
      "INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (1, 'ann', 'Ann', 'h', 1), (2, 'ben', 'Ben', 'h', 1)",
    );
    await tx.run("INSERT INTO conversations (id, kind, last_seq, created_at, updated_at) VALUES ('d:1:2', 'direct', 7, 1, 1)");
    await tx.run("INSERT INTO members (conv_id, user_id, joined_at) VALUES ('d:1:2', 1, 1), ('d:1:2', 2, 1)");
    for (const [seq, kind, body, recalledAt] of rows)
      await tx.run(
        "INSERT INTO messages (conv_id, seq, sender_id, client_id, kind, body, created_at, recalled_at) VALUES ('d:1:2', ?, 1, ?, ?, ?, ?, ?)",
        [seq, `m${seq}`, kind, JSON.stringify(body), 10 + seq, recalledAt],
      );
  });
  await old.close();

  const store = new SqlStore(new SqliteClient({ file, synchronous: 'normal' }));
  t.after(() => store.close().catch(() => undefined));
  await store.migrate();
  const bodies = async () => new Map((await store.messagesAfter('d:1:2', 0, 100)).map((m) => [m.seq, JSON.parse(m.body) as object]));
  let now = await bodies();
  assert.deepEqual(now.get(2), { target: 1, recalled: true }, 'the edit of a recalled message loses its text');
  assert.deepEqual(now.get(3), { text: 'ok', replyTo: { seq: 1, from: 1, kind: 'text', recalled: true } }, 'so does the quote');
  assert.deepEqual([now.get(4), now.get(5), now.get(6)], [rows[3]![2], rows[4]![2], rows[5]![2]], 'copies of a live message are kept');

  await appendAll(store, [
    {
      conv: 'd:1:2',
      members: [1, 2],
      senderId: 1,
      clientId: 'r4',
      kind: 'recall',
      body: '{"target":4}',
      createdAt: 99,
      effect: { type: 'recall', target: 4 },
    },
  ]);
  now = await bodies();
  assert.deepEqual(now.get(5), { target: 4, recalled: true }, 'an edit stored before the migration is found by a recall after it');
  assert.deepEqual(now.get(6), { text: 're', mentions: [1], replyTo: { seq: 4, from: 1, kind: 'text', recalled: true } });
});
