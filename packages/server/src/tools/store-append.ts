/**
 * What the SQLite store alone costs per message: `SqlStore.appendMessages` in a loop, shaped like
 * `warbler-bench chat --users U` at saturation (U users in fixed pairs, each batch a random draw of
 * pairs and directions, bench-style texts, client ids from one counter as a bench worker makes them),
 * with no server, sockets or JSON around it.
 *
 *   taskset -c 0 node packages/server/dist/src/tools/store-append.js [--users U] [--batch B] [--messages N]
 *     [--synchronous full|normal] [--checkpoint-pages P]
 *
 * Every 50,000 messages it prints the CPU time per message (and its kernel part), the bytes the
 * process wrote per message (WAL frames and checkpoints, from /proc/self/io) and the write syscalls
 * per message, and the wall time of a batch's append (p50, p99, max: the pause a server would see,
 * checkpoints included). The cost grows with the database: each message touches the tail page of its
 * conversation in the (conv_id, seq) index, and once the conversations outnumber what a batch shares,
 * every one is a page of its own (so did the sender's page of the retry index, before migration 6).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { directConvId } from '@warbler/protocol';
import { SqliteClient } from '../store/dialect-sqlite.js';
import { SqlStore } from '../store/store-sql.js';
import type { NewMessage } from '../store/store.js';

const REPORT_EVERY = 50_000;
const say = (line: string): boolean => process.stdout.write(`${line}\n`);

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '500' },
    messages: { type: 'string', default: '300000' },
    synchronous: { type: 'string', default: 'full' },
    'checkpoint-pages': { type: 'string', default: '1000' },
  },
});
const users = Number(values.users);
const batchSize = Number(values.batch);
const total = Number(values.messages);
const synchronous = values.synchronous;
const checkpointPages = Number(values['checkpoint-pages']);
if (
  ![users, batchSize, total, checkpointPages].every((n) => Number.isInteger(n) && n >= 2) ||
  (synchronous !== 'full' && synchronous !== 'normal')
) {
  process.stderr.write(
    'usage: store-append.js [--users U>=2] [--batch B>=2] [--messages N>=2] [--synchronous full|normal] [--checkpoint-pages P]\n',
  );
  process.exit(2);
}

function procIo(): { bytes: number; syscalls: number } {
  const t = readFileSync('/proc/self/io', 'utf8');
  return { bytes: Number(/write_bytes: (\d+)/.exec(t)?.[1] ?? 0), syscalls: Number(/syscw: (\d+)/.exec(t)?.[1] ?? 0) };
}

const dir = mkdtempSync(join(tmpdir(), 'warbler-store-append-'));
const store = new SqlStore(new SqliteClient({ file: join(dir, 'warbler.db'), synchronous, checkpointPages }));
try {
  await store.migrate();
  const ids: number[] = [];
  for (let i = 0; i < users; i += 1000) {
    const n = Math.min(1000, users - i);
    const made = await store.createUsers(
      Array.from({ length: n }, (_, k) => ({ username: `u${i + k}`, displayName: 'u', passwordHash: 'h', isAdmin: false, createdAt: 1 })),
    );
    ids.push(...made.map((c) => c.user.id));
  }
  const pairs: [number, number][] = [];
  for (let i = 0; i + 1 < ids.length; i += 2) pairs.push([ids[i]!, ids[i + 1]!]);
  say(`${users} users, ${pairs.length} pairs, batches of ${batchSize}, synchronous=${synchronous}, ${dir}`);
  let sent = 0;
  let mark = { cpu: process.cpuUsage(), io: procIo(), sent: 0 };
  // Wall time of each batch's append (its transaction, fsync and any checkpoint): the pause a server's
  // event loop would see.
  let pauses: number[] = [];
  while (sent < total) {
    const batch: NewMessage[] = [];
    for (let k = 0; k < batchSize; k++) {
      const pair = pairs[Math.floor(Math.random() * pairs.length)]!;
      const from = Math.random() < 0.5 ? pair[0] : pair[1];
      const now = Date.now();
      const text = `b:0:${sent + k}:${now}000000`;
      batch.push({
        conv: directConvId(pair[0], pair[1]),
        members: pair,
        senderId: from,
        clientId: `b0.${sent + k}`,
        kind: 'text',
        body: `{"text":"${text}"}`,
        createdAt: now,
      });
    }
    const t0 = performance.now();
    await store.appendMessages(batch);
    pauses.push(performance.now() - t0);
    // A turn of the event loop between batches, as in the server (where sockets are read meanwhile).
    await new Promise(setImmediate);
    sent += batchSize;
    if (Math.floor(sent / REPORT_EVERY) > Math.floor((sent - batchSize) / REPORT_EVERY) || sent >= total) {
      const cpu = process.cpuUsage(mark.cpu);
      const io = procIo();
      const n = sent - mark.sent;
      pauses.sort((a, b) => a - b);
      const pct = (q: number): string => pauses[Math.min(pauses.length - 1, Math.floor(q * pauses.length))]!.toFixed(1);
      say(
        `${String(sent).padStart(9)} messages: ${((cpu.user + cpu.system) / n).toFixed(1)} µs CPU/msg (kernel ${(cpu.system / n).toFixed(1)}), ` +
          `${((io.bytes - mark.io.bytes) / n / 1024).toFixed(1)} KiB written/msg, ${((io.syscalls - mark.io.syscalls) / n).toFixed(2)} write syscalls/msg, ` +
          `batch ms p50 ${pct(0.5)} p99 ${pct(0.99)} max ${pct(1)}`,
      );
      mark = { cpu: process.cpuUsage(), io, sent };
      pauses = [];
    }
  }
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
