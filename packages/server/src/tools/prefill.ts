/**
 * Fills a data folder with a store that already holds many messages, for the benchmarks that start
 * on a large store (`warbler-bench realistic --prefill N`, which writes the plan and caches the result).
 * Everything goes through the server's own SqlStore and migrations, so the layout is exactly the
 * server's: users with a device each (the plan's tokens, hashed as the server does), groups with their
 * `created` event, N text messages spread over the plan's conversations by their weights, every
 * member's read and delivery cursors at the end, and the search index caught up. Only the fill itself
 * differs from a server's writes: transactions of thousands of messages, `synchronous=OFF` and a large
 * page cache (a crash during the fill leaves a folder to throw away; the server opens the result with
 * its own settings).
 *
 *   node packages/server/dist/src/tools/prefill.js --plan PLAN.json --data-dir DIR --out MANIFEST.json [--batch B]
 *
 * The plan (JSON, written by the bench; user indices 0 … n-1):
 *   { "usernamePrefix": "p1a2b3cu", "tokens": ["wb1_…", …], "direct": [[a, b, weight], …],
 *     "groups": [{ "members": [owner, …], "weight": w }, …], "messages": N, "seed": S, "days": D }
 * The manifest it writes:
 *   { "userIds": [id of user 0, …], "groupConvs": ["g:1", …], "lastSeq": { conv: seq, … },
 *     "messages": N, "seconds": fill time, "rate": messages per second, "schemaVersion": V }
 * Progress goes to stdout, one line every 250,000 messages.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { directConvId } from '@warbler/protocol';
import { hashToken } from '../auth/tokens.js';
import { searchableText } from '../services/search.js';
import { SqliteClient } from '../store/sql/sql-client-sqlite.js';
import { MIGRATIONS } from '../store/sql/migrations.js';
import { SqlStore } from '../store/sql/store-sql.js';
import type { NewMessage, WriteOp, WriteOutcome } from '../store/store.js';

interface PrefillPlan {
  usernamePrefix: string;
  tokens: string[];
  direct: [number, number, number][];
  groups: { members: number[]; weight: number }[];
  messages: number;
  seed: number;
  days: number;
}

const USERS_PER_TX = 5000;
const INDEX_PER_TX = 20_000;
const REPORT_EVERY = 250_000;
/** The stored password hash of an account without a password (the server's accounts service uses the same). */
const NO_PASSWORD = '!';
const TOKEN_TTL_MS = 10 * 365 * 86_400_000;
const WORDS = (
  'the a to and of you I it is in that we for on have be this with are not just so but what can at my ' +
  'do if me was will your all about no get like good know up now one time see think how when out there ' +
  'yes ok thanks today tomorrow meeting lunch later call tonight home work send photo great sure maybe ' +
  'sorry love need want going come back here where why let new really right done plan weekend soon'
).split(' ');

const say = (line: string): boolean => process.stdout.write(`prefill: ${line}\n`);

const { values } = parseArgs({
  options: {
    plan: { type: 'string' },
    'data-dir': { type: 'string' },
    out: { type: 'string' },
    file: { type: 'string', default: 'warbler.db' },
    batch: { type: 'string', default: '5000' },
  },
});
const batchSize = Number(values.batch);
if (!values.plan || !values['data-dir'] || !values.out || !Number.isInteger(batchSize) || batchSize < 1) {
  process.stderr.write('usage: prefill.js --plan PLAN.json --data-dir DIR --out MANIFEST.json [--file warbler.db] [--batch B]\n');
  process.exit(2);
}
const plan = JSON.parse(readFileSync(values.plan, 'utf8')) as PrefillPlan;

/** mulberry32, as the bench's rng.ts: reproducible fills. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A conversation to fill: its id and member ids. */
interface Target {
  conv: string;
  members: number[];
}

function sentence(rand: () => number): string {
  const n = 2 + Math.floor(rand() * 12);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(rand() * WORDS.length)]!);
  return words.join(' ');
}

async function createUsers(store: SqlStore, now: number): Promise<number[]> {
  const ids: number[] = [];
  const expiresAt = now + TOKEN_TTL_MS;
  for (let start = 0; start < plan.tokens.length; start += USERS_PER_TX) {
    const tokens = plan.tokens.slice(start, start + USERS_PER_TX);
    const made = await store.createUsers(
      tokens.map((_, k) => {
        const username = `${plan.usernamePrefix}${start + k}`;
        return { username, displayName: username, passwordHash: NO_PASSWORD, isAdmin: false, createdAt: now };
      }),
      tokens.map((t) => ({ name: 'bench', tokenHash: hashToken(t), createdAt: now, expiresAt })),
    );
    ids.push(...made.map((c) => c.user.id));
  }
  return ids;
}

/** Creates the groups as the groups service does (owner first, a `created` event); returns their conversations. */
async function createGroups(store: SqlStore, ids: number[], at: number): Promise<string[]> {
  const convs: string[] = [];
  for (let g = 0; g < plan.groups.length; g++) {
    const members = plan.groups[g]!.members.map((i) => ids[i]!);
    const owner = members[0]!;
    const name = `${plan.usernamePrefix}g${g}`;
    const event = { type: 'created', actor: owner, name, joinPolicy: 'open', users: members };
    const { group } = await store.groups.createGroup(
      { name, avatar: null, description: null, ownerId: owner, joinPolicy: 'open', createdAt: at },
      members.slice(1),
      { senderId: owner, clientId: `sys:prefill-${g}`, body: JSON.stringify({ event }), createdAt: at },
    );
    convs.push(group.conv);
  }
  return convs;
}

async function fillMessages(
  store: SqlStore,
  targets: Target[],
  cumulative: Float64Array,
  from: number,
  to: number,
): Promise<Map<string, number>> {
  const rand = seededRandom(plan.seed ^ 0x5eed);
  const lastSeq = new Map<string, number>();
  const total = cumulative[cumulative.length - 1]!;
  const t0 = performance.now();
  let done = 0;
  while (done < plan.messages) {
    const n = Math.min(batchSize, plan.messages - done);
    const batch: NewMessage[] = [];
    for (let k = 0; k < n; k++) {
      const t = targets[pick(cumulative, rand() * total)]!;
      const sender = t.members[Math.floor(rand() * t.members.length)]!;
      const createdAt = Math.floor(from + ((to - from) * (done + k)) / plan.messages);
      const clientId = `${createdAt.toString(36)}-${Math.floor(rand() * 36 ** 8).toString(36)}-${(done + k).toString(36)}`;
      batch.push({
        conv: t.conv,
        members: t.members,
        senderId: sender,
        clientId,
        kind: 'text',
        body: JSON.stringify({ text: sentence(rand) }),
        createdAt,
      });
    }
    for (const o of await commitAll(
      store,
      batch.map((msg) => ({ type: 'append', msg }) as const),
    ))
      if (o.type === 'append') lastSeq.set(o.result.conv, o.result.seq);
    const before = done;
    done += n;
    if (Math.floor(done / REPORT_EVERY) > Math.floor(before / REPORT_EVERY) || done === plan.messages) {
      const s = (performance.now() - t0) / 1000;
      say(`${done}/${plan.messages} messages, ${Math.round(done / s)} msg/s`);
    }
  }
  return lastSeq;
}

/** Commits `ops` through the group commit; throws the first op that failed. */
async function commitAll(store: SqlStore, ops: readonly WriteOp[]): Promise<WriteOutcome[]> {
  const out = await store.commit(ops);
  const failed = out.find((o) => o.type === 'failed');
  if (failed) throw failed.error;
  return out;
}

function pick(cumulative: Float64Array, x: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const dir = values['data-dir']!;
  mkdirSync(dir, { recursive: true });
  const client = new SqliteClient({ file: join(dir, values.file!), synchronous: 'normal', checkpointPages: 100_000 });
  // For the fill only: no fsync, a large page cache. The server reopens the file with its own settings.
  await client.exec('PRAGMA synchronous = OFF');
  await client.exec('PRAGMA cache_size = -524288');
  const store = new SqlStore(client);
  try {
    await store.migrate();
    const to = Date.now() - 60_000;
    const from = to - plan.days * 86_400_000;
    const ids = await createUsers(store, from);
    const groupConvs = await createGroups(store, ids, from);
    say(`${ids.length} users, ${groupConvs.length} groups, ${plan.direct.length} one-to-one conversations`);
    const targets: Target[] = [];
    const weights: number[] = [];
    for (const [a, b, w] of plan.direct) {
      targets.push({ conv: directConvId(ids[a]!, ids[b]!), members: [ids[a]!, ids[b]!] });
      weights.push(w);
    }
    plan.groups.forEach((g, i) => {
      targets.push({ conv: groupConvs[i]!, members: g.members.map((m) => ids[m]!) });
      weights.push(g.weight);
    });
    const lastSeq = new Map<string, number>();
    // A group holds its `created` event already.
    for (const c of groupConvs) lastSeq.set(c, 1);
    const tFill = performance.now();
    if (plan.messages > 0 && targets.length > 0) {
      let s = 0;
      const cumulative = Float64Array.from(weights, (w) => (s += w));
      for (const [conv, seq] of await fillMessages(store, targets, cumulative, from, to)) lastSeq.set(conv, seq);
    }
    const fillS = (performance.now() - tFill) / 1000;
    // Everyone has read what they have: the clients of the run start caught up.
    const members = new Map(targets.map((t) => [t.conv, t.members]));
    const moves: WriteOp[] = [];
    for (const [conv, seq] of lastSeq)
      for (const userId of members.get(conv) ?? [])
        for (const cursor of ['delivered', 'read'] as const) moves.push({ type: 'cursor', move: { conv, userId, cursor, seq } });
    for (let i = 0; i < moves.length; i += batchSize) await commitAll(store, moves.slice(i, i + batchSize));
    const tIndex = performance.now();
    while ((await store.search.indexNext(INDEX_PER_TX, searchableText)) === INDEX_PER_TX);
    say(`search index in ${((performance.now() - tIndex) / 1000).toFixed(1)} s`);
    await client.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const seconds = (performance.now() - t0) / 1000;
    const manifest = {
      userIds: ids,
      groupConvs,
      lastSeq: Object.fromEntries(lastSeq),
      messages: plan.messages,
      seconds: Math.round(seconds * 10) / 10,
      rate: Math.round(plan.messages / Math.max(0.001, fillS)),
      schemaVersion: MIGRATIONS.at(-1)!.version,
    };
    writeFileSync(values.out!, JSON.stringify(manifest));
    say(`done: ${plan.messages} messages in ${fillS.toFixed(1)} s (${manifest.rate} msg/s), ${seconds.toFixed(1)} s in all`);
  } finally {
    await store.close();
  }
}

await main();
