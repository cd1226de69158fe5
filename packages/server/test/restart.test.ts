import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { directConvId, type Message, type ResultData } from '@warbler/protocol';
import { WarblerRequestError, type WarblerClient } from '@warbler/sdk';
import { dropTestStore } from './test-store.js';
import {
  RawClient,
  eventually,
  newUser,
  sdkClient,
  spawnServer,
  startTestServer,
  tempDir,
  type ChildServer,
  type TestServer,
} from './helpers.js';

// Durability across crashes and restarts, with the server as a real child process (default config,
// so SQLite runs with synchronous=FULL): nothing acknowledged is lost, nothing is stored twice.

type Ack = ResultData<'msg.send'>;

/** One test's data folder, the child servers run on it and the clients: all torn down at the end. */
class Rig {
  readonly dir = tempDir('warbler-restart-');
  private readonly children: ChildServer[] = [];
  private readonly clients: WarblerClient[] = [];

  constructor(t: TestContext) {
    t.after(async () => {
      for (const c of this.clients) c.close();
      for (const c of this.children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      await Promise.all(this.children.map((c) => c.exited));
      rmSync(this.dir, { recursive: true, force: true });
      await dropTestStore(this.dir);
    });
  }

  /** Starts `warbler serve` on this rig's data folder (a new port each time). */
  async spawn(): Promise<ChildServer> {
    const c = await spawnServer(this.dir);
    this.children.push(c);
    return c;
  }

  /** Closes `c` when the test ends. */
  track<T extends WarblerClient>(c: T): T {
    this.clients.push(c);
    return c;
  }

  /** Registers a user on `url`; its client is closed at the end. */
  async user(url: string, opts: Parameters<typeof newUser>[1] = {}): Promise<Awaited<ReturnType<typeof newUser>>> {
    const u = await newUser(url, opts);
    this.track(u.client);
    return u;
  }
}

/** `count` client ids with distinct texts. */
function outbox(tag: string, count: number): Map<string, string> {
  return new Map(Array.from({ length: count }, (_, i) => [`${tag}-${i}`, `${tag} message ${i} ✓`]));
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/**
 * Sends every text through `c` with 20 sends in flight at a time (so a crash lands mid-stream) and
 * hands each ack to `onAck`; a sender stops at its first failed send or when `stop()` says so.
 */
async function pump(
  c: WarblerClient,
  to: number,
  texts: Map<string, string>,
  onAck: (ack: Ack) => void,
  stop = () => false,
): Promise<void> {
  const queue = [...texts];
  const sender = async (): Promise<void> => {
    for (let next = queue.shift(); next && !stop(); next = queue.shift()) {
      const ack = await c.send({ to, clientId: next[0], text: next[1] }).catch((e: unknown) => {
        assert.ok(e instanceof WarblerRequestError && e.code === 'disconnected', `send failed: ${String(e)}`);
      });
      if (!ack) return;
      onAck(ack);
    }
  };
  await Promise.all(Array.from({ length: 20 }, sender));
}

/** Everything stored in `conv`, by raw sync pages: no client-side dedup hides a duplicate. */
async function storedMessages(c: WarblerClient, conv: string): Promise<Message[]> {
  const out: Message[] = [];
  for (let page = 0; page < 50; page++) {
    const r = await c.request('sync', { cursors: { [conv]: out.at(-1)?.seq ?? 0 }, limit: 500 });
    out.push(...r.messages.filter((m) => m.conv === conv));
    if (!r.more) return out;
  }
  throw new Error(`sync of ${conv} did not end within 50 pages`);
}

/** Resumes `token` on a fresh client at `url` and reads what the server has stored in `conv`. */
async function readBack(rig: Rig, url: string, token: string, conv: string): Promise<Message[]> {
  const c = rig.track(await sdkClient(url, { autoSync: false }));
  await c.resume(token);
  return storedMessages(c, conv);
}

/**
 * Asserts `msgs` is the gapless sequence 1..n, each client id once with the text it was sent with,
 * and that every acknowledged message is stored with the id and sequence its ack gave.
 */
function assertIntact(msgs: Message[], texts: Map<string, string>, acked: Map<string, Ack>): void {
  assert.deepEqual(
    msgs.map((m) => m.seq),
    range(msgs.length),
    'sequences are gapless from 1',
  );
  const ids = msgs.map((m) => m.clientId);
  assert.equal(new Set(ids).size, ids.length, 'no client id is stored twice');
  for (const m of msgs) assert.equal(m.text, texts.get(m.clientId), `text of ${m.clientId}`);
  for (const [clientId, ack] of acked) {
    const m = msgs[ack.seq - 1];
    assert.equal(m?.clientId, clientId, `acknowledged ${clientId} (seq ${ack.seq}) is stored at its sequence`);
    assert.equal(m.id, ack.id, `acknowledged ${clientId} keeps its id`);
  }
}

test('SIGKILL right after the last ack: the restarted server has exactly the acknowledged messages', { timeout: 30_000 }, async (t) => {
  const rig = new Rig(t);
  const s1 = await rig.spawn();
  const a = await rig.user(s1.wsUrl);
  const b = await rig.user(s1.wsUrl);
  b.client.close();
  const texts = outbox('k', 500);
  const acks = await Promise.all([...texts].map(([clientId, text]) => a.client.send({ to: b.id, clientId, text })));
  s1.proc.kill('SIGKILL');
  assert.equal(await s1.exited, 'SIGKILL');
  a.client.close();
  const acked = new Map(acks.map((x) => [x.clientId, x]));
  assert.equal(acked.size, 500);
  assert.deepEqual(
    acks.map((x) => x.seq).sort((x, y) => x - y),
    range(500),
  );

  const s2 = await rig.spawn();
  const conv = directConvId(a.id, b.id);
  const stored = await readBack(rig, s2.wsUrl, b.token, conv);
  assert.equal(stored.length, 500, 'exactly the acknowledged messages, no more, no fewer');
  assertIntact(stored, texts, acked);

  // B's SDK on the new server: the same 500 through the message stream, once each, in order.
  const b2 = rig.track(await sdkClient(s2.wsUrl));
  const got: Message[] = [];
  b2.on('message', (m) => got.push(m));
  await b2.login(b.username, 'password-123');
  assert.deepEqual(
    got.map((m) => m.seq),
    range(500),
  );
  assert.deepEqual(
    got.map((m) => [m.clientId, m.text]),
    stored.map((m) => [m.clientId, m.text]),
  );
});

test(
  'SIGKILL right after cursor acks: the restarted server has the acknowledged read and delivery cursors',
  { timeout: 30_000 },
  async (t) => {
    const rig = new Rig(t);
    const s1 = await rig.spawn();
    const a = await rig.user(s1.wsUrl);
    // Its own delivery reports off: the test moves the cursors itself.
    const b = await rig.user(s1.wsUrl, { deliveryReceipts: false });
    const conv = directConvId(a.id, b.id);
    for (let i = 1; i <= 20; i++) await a.client.send({ to: b.id, clientId: `r${i}`, text: `${i}` });
    // Pipelined, so they share a batch; killed as soon as the last is acknowledged.
    const acks = await Promise.all([
      b.client.request('conv.delivered', { conv, seq: 12 }),
      b.client.request('conv.read', { conv, seq: 9 }),
      b.client.request('conv.delivered', { conv, seq: 20 }),
    ]);
    s1.proc.kill('SIGKILL');
    assert.equal(await s1.exited, 'SIGKILL');
    assert.deepEqual(acks, [
      { conv, deliveredSeq: 12 },
      { conv, readSeq: 9 },
      { conv, deliveredSeq: 20 },
    ]);
    a.client.close();
    b.client.close();

    const s2 = await rig.spawn();
    const a2 = rig.track(await sdkClient(s2.wsUrl, { autoSync: false }));
    await a2.resume(a.token);
    const listed = (await a2.request('conv.list', {})).conversations.find((c) => c.conv === conv);
    assert.deepEqual([listed?.peerReadSeq, listed?.peerDeliveredSeq], [9, 20], 'the peer’s cursors as acknowledged');
    const b2 = rig.track(await sdkClient(s2.wsUrl, { autoSync: false, deliveryReceipts: false }));
    await b2.resume(b.token);
    assert.equal((await b2.request('conv.list', {})).conversations.find((c) => c.conv === conv)?.readSeq, 9);
  },
);

test(
  'SIGKILL mid-stream: acknowledged sends survive, and resends with the same client ids store each once',
  { timeout: 30_000 },
  async (t) => {
    const rig = new Rig(t);
    const s1 = await rig.spawn();
    const a = await rig.user(s1.wsUrl);
    const b = await rig.user(s1.wsUrl);
    b.client.close();
    const texts = outbox('m', 300);
    // Acks already on the wire when the kill is decided arrive later: `late`. The test treats them as
    // lost, like a client that crashed with the server, so their messages are stored but resent.
    const acked = new Map<string, Ack>();
    const late = new Map<string, Ack>();
    let killed = false;
    const sending = pump(
      a.client,
      b.id,
      texts,
      (ack) => {
        (killed ? late : acked).set(ack.clientId, ack);
        if (acked.size >= 100 && !killed) {
          killed = true;
          s1.proc.kill('SIGKILL');
        }
      },
      () => killed,
    );
    assert.equal(await s1.exited, 'SIGKILL');
    // The old client would retry the dead address forever: close it (its pending sends are rejected).
    a.client.close();
    await sending;
    assert.ok(acked.size >= 100 && acked.size < 300, `killed mid-stream (${acked.size} acks)`);

    const s2 = await rig.spawn();
    const conv = directConvId(a.id, b.id);
    const before = await readBack(rig, s2.wsUrl, b.token, conv);
    assertIntact(before, texts, new Map([...acked, ...late]));
    const lostAcks = before.filter((m) => !acked.has(m.clientId)).length;

    // A new device of A resumes with A's token and resends every unacknowledged message, same ids.
    const a2 = rig.track(await sdkClient(s2.wsUrl));
    await a2.resume(a.token);
    const unacked = [...texts].filter(([clientId]) => !acked.has(clientId));
    const resent = await Promise.all(unacked.map(([clientId, text]) => a2.request('msg.send', { to: b.id, clientId, text })));
    const dups = resent.filter((r) => r.duplicate);
    assert.equal(dups.length, lostAcks, 'a resend of a message stored before the kill is answered as a duplicate');
    for (const r of dups) assert.equal(before[r.seq - 1]?.id, r.id, 'a duplicate ack points at the stored copy');
    for (const r of resent) if (!r.duplicate) assert.ok(r.seq > before.length, 'a new message goes after the stored ones');
    for (const r of resent) acked.set(r.clientId, r);

    const after = await readBack(rig, s2.wsUrl, b.token, conv);
    assert.equal(after.length, 300);
    assertIntact(after, texts, acked);
    t.diagnostic(`acked before the kill: ${300 - resent.length}; late acks: ${late.size}; stored with lost ack: ${lostAcks}`);
  },
);

test(
  'SIGTERM: exit 0, clients closed with 4000, acked sends kept, pending SDK sends complete after restart',
  { timeout: 30_000 },
  async (t) => {
    const rig = new Rig(t);
    const s1 = await rig.spawn();
    const a = await rig.user(s1.wsUrl);
    const b = await rig.user(s1.wsUrl);
    const closes = { a: [] as { code: number; reconnect: boolean }[], b: [] as { code: number; reconnect: boolean }[] };
    a.client.on('disconnected', (d) => closes.a.push(d));
    b.client.on('disconnected', (d) => closes.b.push(d));
    const atB: Message[] = [];
    b.client.on('message', (m) => atB.push(m));

    const texts = outbox('g', 300);
    const acks = new Map<string, Ack>();
    const ackedBeforeClose = new Map<string, Ack>();
    // The SDK client keeps sending across the stop and the restart: the pump ends when all 300 are acked.
    const sending = pump(a.client, b.id, texts, (ack) => {
      acks.set(ack.clientId, ack);
      if (closes.a.length === 0) ackedBeforeClose.set(ack.clientId, ack);
      if (acks.size === 100) s1.proc.kill('SIGTERM');
    });
    assert.equal(await s1.exited, 0, 'a graceful stop exits with 0');
    await eventually(() => assert.ok(closes.a.length > 0 && closes.b.length > 0, 'both clients saw the close'));
    for (const d of [closes.a[0]!, closes.b[0]!]) assert.deepEqual([d.code, d.reconnect], [4000, true], 'server_shutdown, reconnect');
    const pending = a.client.pendingSends;
    t.diagnostic(`acked before close: ${ackedBeforeClose.size}; pending in the SDK: ${pending}`);
    assert.ok(ackedBeforeClose.size >= 100 && pending > 0, 'stopped with sends in flight');
    const reconnected = [a.client, b.client].map((c) => new Promise<void>((resolve) => c.on('reconnected', resolve)));

    const s2 = await rig.spawn();
    const conv = directConvId(a.id, b.id);
    assertIntact(await readBack(rig, s2.wsUrl, b.token, conv), texts, ackedBeforeClose);
    // The new server has a new port: point both SDK clients at it; they resume, resend and sync.
    a.client.url = s2.wsUrl;
    b.client.url = s2.wsUrl;
    await Promise.all(reconnected);
    await sending;
    assert.equal(a.client.pendingSends, 0);
    assert.equal(acks.size, 300);

    const stored = await storedMessages(b.client, conv);
    assert.equal(stored.length, 300);
    assertIntact(stored, texts, acks);
    // B's stream crossed the restart: every message once, in sequence order.
    await eventually(() => assert.equal(atB.length, 300));
    assert.deepEqual(
      atB.map((m) => m.seq),
      range(300),
    );
  },
);

test('graceful stop in process: each send frame gets an ack or unavailable, and exactly the acked ones are stored', async (t) => {
  const dir = tempDir('warbler-restart-');
  const servers: TestServer[] = [];
  const raws: RawClient[] = [];
  t.after(async () => {
    for (const c of raws) c.close();
    for (const s of servers) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const s1 = await startTestServer({}, dir);
  servers.push(s1);
  const peer = await RawClient.open(s1.wsUrl);
  const raw = await RawClient.open(s1.wsUrl);
  raws.push(peer, raw);
  const other = await peer.registerNew();
  peer.close();
  const me = await raw.registerNew();

  // The first half starts before the stop (at least one is acked first); the second half is sent
  // right before it, so it arrives while the server drains.
  const K = 200;
  const send = (i: number) => raw.sendRaw({ id: `s${i}`, op: 'msg.send', data: { to: other.id, clientId: `c${i}`, text: `t${i}` } });
  for (let i = 0; i < K / 2; i++) send(i);
  await raw.waitFor((f) => f.id === 's0');
  for (let i = K / 2; i < K; i++) send(i);
  await s1.stop();
  assert.equal((await raw.closed).code, 4000, 'server_shutdown');

  const acked = new Map<string, Ack>();
  let refused = 0;
  for (let i = 0; i < K; i++) {
    const f = raw.frames.find((x) => x.id === `s${i}`);
    assert.ok(f, `frame s${i} was answered before the close`);
    if (f.ok) acked.set(`c${i}`, f.data as unknown as Ack);
    else {
      assert.equal(f.error?.code, 'unavailable', `frame s${i}: ${JSON.stringify(f.error)}`);
      refused++;
    }
    if (i >= K / 2) assert.equal(f.ok, false, `s${i} arrived after the stop began: refused`);
  }
  assert.ok(acked.has('c0'));
  t.diagnostic(`acked: ${acked.size}; unavailable: ${refused}`);

  // stop() keeps the data folder; a new server opens it.
  const s2 = await startTestServer({}, dir);
  servers.push(s2);
  const rows = await s2.store.messagesAfter(directConvId(me.id, other.id), 0, K + 10);
  assert.deepEqual(rows.map((r) => r.clientId).sort(), [...acked.keys()].sort(), 'stored = acknowledged');
  for (const r of rows) assert.equal(r.seq, acked.get(r.clientId)?.seq);
});
