/**
 * What the SQLite store alone costs per message: `SqlStore.commit` (the group commit) in a loop, shaped
 * like `warbler-bench chat --users U` (U users; each batch a random draw of senders and recipients,
 * bench-style texts, client ids from one counter as a bench worker makes them), with no server, sockets
 * or JSON around it.
 *
 *   taskset -c 0 node packages/server/dist/src/tools/store-append.js [--users U] [--peers K] [--batch B]
 *     [--messages N] [--receipts] [--prefill P] [--prefill-dir DIR] [--snapshots S,…] [--synchronous full|normal]
 *     [--checkpoint-pages C] [--cache-mib M] [--mmap-mib M]
 *
 * `--peers K`: each user writes to K partners (1: fixed pairs, as in the chat scenario; 0: anyone, so
 * almost every message of a large user base opens a new conversation). `--receipts`: every message is
 * also followed, in the next batch, by its recipient's delivery cursor move (`conv.delivered`, as the
 * SDK sends it). `--prefill P`: first fill the store with P messages of the same shape (not measured;
 * with `--prefill-dir` the filled database is kept there and copied for later runs of the same shape,
 * and `--snapshots S1,S2` keeps the stores of S1, S2 … messages met on the way too).
 *
 * Every 50,000 messages it prints the CPU time per message (and its kernel part), the bytes the
 * process wrote per message (WAL frames and checkpoints, from /proc/self/io) and the write syscalls
 * per message, and the wall time of a batch's commit (p50, p99, max: the pause a server would see,
 * checkpoints included). The cost grows with the database when each message touches pages of its own
 * (the tail of its conversation in the (conv_id, seq) index, a new conversation's rows), once the
 * conversations outnumber what a batch shares and what the page cache holds.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { directConvId } from '@warbler/protocol';
import { SqliteClient, type SqliteOptions } from '../store/sql/sql-client-sqlite.js';
import { SqlStore } from '../store/sql/store-sql.js';
import type { WriteOp } from '../store/store.js';

const REPORT_EVERY = 50_000;
const say = (line: string): boolean => process.stdout.write(`${line}\n`);

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    peers: { type: 'string', default: '1' },
    batch: { type: 'string', default: '500' },
    messages: { type: 'string', default: '300000' },
    receipts: { type: 'boolean', default: false },
    prefill: { type: 'string', default: '0' },
    'prefill-dir': { type: 'string' },
    snapshots: { type: 'string' },
    synchronous: { type: 'string', default: 'full' },
    'checkpoint-pages': { type: 'string', default: '1000' },
    'cache-mib': { type: 'string' },
    'mmap-mib': { type: 'string' },
  },
});
const users = Number(values.users);
const peers = Number(values.peers);
const batchSize = Number(values.batch);
const total = Number(values.messages);
const prefill = Number(values.prefill);
const synchronous = values.synchronous;
const checkpointPages = Number(values['checkpoint-pages']);
if (
  ![users, batchSize, total, checkpointPages].every((n) => Number.isInteger(n) && n >= 2) ||
  !(Number.isInteger(peers) && peers >= 0) ||
  !(Number.isInteger(prefill) && prefill >= 0) ||
  (synchronous !== 'full' && synchronous !== 'normal')
) {
  process.stderr.write(
    'usage: store-append.js [--users U>=2] [--peers K>=0] [--batch B>=2] [--messages N>=2] [--receipts] [--prefill P] [--prefill-dir DIR]\n' +
      '  [--synchronous full|normal] [--checkpoint-pages C] [--cache-mib M] [--mmap-mib M]\n',
  );
  process.exit(2);
}
const tuning: Partial<SqliteOptions> = {
  ...(values['cache-mib'] !== undefined ? { cacheMiB: Number(values['cache-mib']) } : {}),
  ...(values['mmap-mib'] !== undefined ? { mmapMiB: Number(values['mmap-mib']) } : {}),
};

function procIo(): { bytes: number; syscalls: number } {
  const t = readFileSync('/proc/self/io', 'utf8');
  return { bytes: Number(/write_bytes: (\d+)/.exec(t)?.[1] ?? 0), syscalls: Number(/syscw: (\d+)/.exec(t)?.[1] ?? 0) };
}

/** The users' ids and a sender → recipient draw of the chosen shape. */
interface Shape {
  ids: number[];
  draw(): [number, number];
}

function shape(ids: number[]): Shape {
  const n = ids.length;
  const pick = (): number => Math.floor(Math.random() * n);
  if (peers === 0)
    return {
      ids,
      draw() {
        const a = pick();
        const b = (a + 1 + Math.floor(Math.random() * (n - 1))) % n;
        return [ids[a]!, ids[b]!];
      },
    };
  // Partner j of user i: its neighbours on a ring, fixed pairs for K = 1 (0-1, 2-3, …).
  return {
    ids,
    draw() {
      const a = pick();
      if (peers === 1) return [ids[a]!, ids[(a ^ 1) < n ? a ^ 1 : a - 1]!];
      const k = 1 + Math.floor(Math.random() * peers);
      const b = Math.random() < 0.5 ? (a + k) % n : (a - k + n) % n;
      return [ids[a]!, ids[b]!];
    },
  };
}

/** Writes `count` messages (and their receipts) in batches; calls `each` after every batch with its commit time. */
async function run(store: SqlStore, s: Shape, first: number, count: number, size: number, each: (ms: number, done: number) => void) {
  let pending: WriteOp[] = [];
  for (let sent = 0; sent < count;) {
    const ops: WriteOp[] = values.receipts ? pending : [];
    pending = [];
    const n = Math.min(size, count - sent);
    for (let k = 0; k < n; k++) {
      const [from, to] = s.draw();
      const now = Date.now();
      const i = first + sent + k;
      const conv = directConvId(from, to);
      ops.push({
        type: 'append',
        msg: {
          conv,
          members: from === to ? [from] : [from, to],
          senderId: from,
          clientId: `b0.${i}`,
          kind: 'text',
          body: `{"text":"b:0:${i}:${now}000000"}`,
          createdAt: now,
        },
      });
    }
    const t0 = performance.now();
    const out = await store.commit(ops);
    const ms = performance.now() - t0;
    if (values.receipts)
      out.forEach((o, i) => {
        const m = ops[i]!;
        if (o.type !== 'append' || m.type !== 'append') return;
        const to = m.msg.members.find((u) => u !== m.msg.senderId) ?? m.msg.senderId;
        pending.push({ type: 'cursor', move: { conv: o.result.conv, userId: to, cursor: 'delivered', seq: o.result.seq } });
      });
    sent += n;
    each(ms, sent);
    // A turn of the event loop between batches, as in the server (where sockets are read meanwhile).
    await new Promise(setImmediate);
  }
}

const open = (file: string, sync: 'full' | 'normal'): SqlStore =>
  new SqlStore(new SqliteClient({ file, synchronous: sync, checkpointPages, ...tuning }));

async function makeUsers(store: SqlStore): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < users; i += 1000) {
    const n = Math.min(1000, users - i);
    const made = await store.createUsers(
      Array.from({ length: n }, (_, k) => ({ username: `u${i + k}`, displayName: 'u', passwordHash: 'h', isAdmin: false, createdAt: 1 })),
    );
    ids.push(...made.map((c) => c.user.id));
  }
  return ids;
}

/** A database of `prefill` messages of this shape: from the prefill folder when it has one, else made now. */
async function prefilled(file: string): Promise<void> {
  const kept = values['prefill-dir'] && join(values['prefill-dir'], `prefill-u${users}-k${peers}-${prefill}.db`);
  if (kept && existsSync(kept)) {
    copyFileSync(kept, file);
    // On disk and out of the page cache before measuring, as after a restart: the copy's large page
    // cache folios would otherwise make every 4 KiB page a checkpoint writes count (and cost) 64 KiB.
    const fd = openSync(file, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    execFileSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
    say(`prefilled database copied from ${kept}`);
    return;
  }
  const t0 = performance.now();
  const store = open(file, 'normal');
  await store.migrate();
  const s = shape(await makeUsers(store));
  let mark = 0;
  const snapshots = (values.snapshots ?? '').split(',').filter(Boolean).map(Number);
  await run(store, s, -prefill, prefill, 5000, (_ms, done) => {
    if (done - mark >= 1_000_000 || done === prefill) {
      mark = done;
      say(`prefill: ${done} messages, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    // A smaller store of the same shape on the way, kept for its own runs (`--prefill S`).
    const at = snapshots.find((n) => n <= done && n > done - 5000);
    if (at !== undefined && values['prefill-dir']) {
      const side = new Database(file);
      side.pragma('wal_checkpoint(TRUNCATE)');
      side.close();
      const out = join(values['prefill-dir'], `prefill-u${users}-k${peers}-${at}.db`);
      copyFileSync(file, `${out}.tmp`);
      renameSync(`${out}.tmp`, out);
      say(`prefill: kept the store at ${at} messages as ${out}`);
    }
  });
  await store.close();
  if (kept) {
    mkdirSync(values['prefill-dir']!, { recursive: true });
    copyFileSync(file, `${kept}.tmp`);
    renameSync(`${kept}.tmp`, kept);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'warbler-store-append-'));
const file = join(dir, 'warbler.db');
try {
  if (prefill > 0) await prefilled(file);
  const store = open(file, synchronous);
  await store.migrate();
  const ids =
    prefill > 0
      ? (await store.getUsersByIds(Array.from({ length: users }, (_, i) => i + 1))).map((u) => u.id).sort((a, b) => a - b)
      : await makeUsers(store);
  const s = shape(ids);
  say(
    `${users} users, ${peers === 0 ? 'any partner' : `${peers} partner(s) each`}, batches of ${batchSize}${values.receipts ? ' plus receipts' : ''}, ` +
      `synchronous=${synchronous}, ${prefill} messages before, ${JSON.stringify(tuning)}, ${dir}`,
  );
  let mark = { cpu: process.cpuUsage(), io: procIo(), sent: 0 };
  let pauses: number[] = [];
  await run(store, s, 0, total, batchSize, (ms, sent) => {
    pauses.push(ms);
    if (Math.floor(sent / REPORT_EVERY) === Math.floor((sent - batchSize) / REPORT_EVERY) && sent < total) return;
    const cpu = process.cpuUsage(mark.cpu);
    const io = procIo();
    const n = sent - mark.sent;
    pauses.sort((a, b) => a - b);
    const pct = (q: number): string => pauses[Math.min(pauses.length - 1, Math.floor(q * pauses.length))]!.toFixed(1);
    say(
      `${String(prefill + sent).padStart(9)} messages: ${((cpu.user + cpu.system) / n).toFixed(1)} µs CPU/msg (kernel ${(cpu.system / n).toFixed(1)}), ` +
        `${((io.bytes - mark.io.bytes) / n / 1024).toFixed(1)} KiB written/msg, ${((io.syscalls - mark.io.syscalls) / n).toFixed(2)} write syscalls/msg, ` +
        `batch ms p50 ${pct(0.5)} p99 ${pct(0.99)} max ${pct(1)}`,
    );
    mark = { cpu: process.cpuUsage(), io, sent };
    pauses = [];
  });
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
