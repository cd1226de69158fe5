/**
 * A small open-loop load of one-to-one sends with the receipts real clients make, to measure the
 * server's write path at moderate load and past saturation (one process, no worker fleet):
 *
 *   node packages/bench/dist/src/tools/write-load.js --users 500 --rate 1000 --duration 20 \
 *     [--pairs fixed|random] [--receipts] [--reads F] [--healthz-ms 20] [--server-cli PATH] [--server-env K=V]…
 *
 * It spawns a server pinned to the first CPU (`taskset`, fresh data folder, default settings) and runs
 * itself on the others. Users send to a fixed partner (`fixed`) or to anyone (`random`: almost every
 * message opens a new conversation). With `--receipts` every client behaves as the SDK does: per
 * conversation, at most one `conv.delivered` a second with the highest `seq` received; with `--reads F`
 * a share F of the received messages is also read (`conv.read`) half a second to two seconds later.
 * A probe asks `GET /healthz` every `--healthz-ms` ms. At the end it prints send → ack and send → push
 * latency, throughput, the server's CPU per message, errors by code, exactly-once counts (acknowledged
 * but never pushed, pushed twice, pushes out of order), the /healthz latency, the longest pause between
 * two pushes while sending, and the server's own write-path metrics.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest, Agent } from 'node:http';
import { parseArgs } from 'node:util';
import { directConvId } from '@warbler/protocol';
import { BenchClient, type ClientOwner, type Frame } from '../bench-client.js';
import { Histogram } from '../histogram.js';
import { encodeText, nowNs } from '../message-text.js';
import { cpuPlacement, pinSelf } from '../placement.js';
import { readProc, type ProcSample } from '../proc-sampler.js';
import { adminLogin, httpBase, provisionUsers, runTag } from '../provision.js';
import type { ScannedPush } from '../push-scan.js';
import { spawnServer } from '../server-process.js';

const say = (s: string): boolean => process.stderr.write(`${s}\n`);

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '500' },
    rate: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '20' },
    pairs: { type: 'string', default: 'random' },
    receipts: { type: 'boolean', default: false },
    reads: { type: 'string', default: '0' },
    'healthz-ms': { type: 'string', default: '20' },
    grace: { type: 'string', default: '15' },
    'server-cli': { type: 'string' },
    'server-env': { type: 'string', multiple: true, default: [] },
    'server-node-arg': { type: 'string', multiple: true, default: [] },
    json: { type: 'string' },
  },
});
const users = Number(values.users);
const rate = Number(values.rate);
const durationS = Number(values.duration);
const randomPairs = values.pairs === 'random';
const readShare = Number(values.reads);
const healthzMs = Number(values['healthz-ms']);
const graceS = Number(values.grace);

/** Request ids: sends count up from 1; receipts and reads from RECEIPT_IDS. */
const RECEIPT_IDS = 1e9;
const RECEIPT_EVERY_MS = 1000;

interface Client {
  bench: BenchClient;
  /** Delivery cursors to report (conversation → seq), what was reported, and when the batch is due. */
  undelivered: Map<string, number>;
  reported: Map<string, number>;
  dueAt: number;
}

const sentAt: number[] = [];
const acked = new Uint8Array(Math.ceil(rate * durationS * 1.5) + 1000);
const pushed = new Uint8Array(acked.length);
const ack = new Histogram();
const delivery = new Histogram();
const healthz = new Histogram();
const errors = new Map<string, number>();
let sent = 0;
let ackCount = 0;
let pushCount = 0;
let duplicates = 0;
let outOfOrder = 0;
let receiptsSent = 0;
let receiptsAcked = 0;
let readsSent = 0;
let lastPushNs = 0;
let maxPushGapNs = 0;
let sending = false;
const clients: Client[] = [];
const lastSeqByConv = new Map<string, number>();
const reads: { at: number; c: Client; conv: string; seq: number }[] = [];

const countError = (code: string): void => void errors.set(code, (errors.get(code) ?? 0) + 1);

const owner: ClientOwner = {
  settled() {},
  lost(c, code) {
    countError(`closed:${code}`);
  },
  response(_c, f: Frame) {
    const id = typeof f.id === 'number' ? f.id : -1;
    if (id >= RECEIPT_IDS) {
      if (f.ok) receiptsAcked++;
      else countError(`receipt:${f.error?.code ?? '?'}`);
      return;
    }
    if (id < 0 || id >= sentAt.length) return;
    if (!f.ok) return countError(`send:${f.error?.code ?? '?'}`);
    ack.record((nowNs() - sentAt[id]!) / 1000);
    acked[id] = 1;
    ackCount++;
  },
  benchPush(bc, p: ScannedPush) {
    const now = nowNs();
    if (sending && lastPushNs > 0 && now - lastPushNs > maxPushGapNs) maxPushGapNs = now - lastPushNs;
    lastPushNs = now;
    delivery.record((now - p.sentNs) / 1000);
    if (pushed[p.n]) duplicates++;
    pushed[p.n] = 1;
    pushCount++;
    const conv = directConvId(bc.userId, p.from);
    const key = `${bc.local}/${conv}`;
    if (p.seq <= (lastSeqByConv.get(key) ?? 0)) outOfOrder++;
    lastSeqByConv.set(key, p.seq);
    const c = clients[bc.local]!;
    if (values.receipts && p.seq > (c.reported.get(conv) ?? 0)) {
      c.undelivered.set(conv, p.seq);
      if (c.dueAt === 0) c.dueAt = Date.now() + RECEIPT_EVERY_MS;
    }
    if (readShare > 0 && Math.random() < readShare) reads.push({ at: Date.now() + 500 + Math.random() * 1500, c, conv, seq: p.seq });
  },
  foreignPush() {},
};

let nextReceiptId = RECEIPT_IDS;
/** The SDK's delivery reporter and a reader, for every client whose time has come. */
function receiptSweep(): void {
  const now = Date.now();
  for (const c of clients) {
    if (c.dueAt === 0 || c.dueAt > now) continue;
    c.dueAt = 0;
    for (const [conv, seq] of c.undelivered) {
      if (seq <= (c.reported.get(conv) ?? 0)) continue;
      c.reported.set(conv, seq);
      if (c.bench.send(JSON.stringify({ id: nextReceiptId++, op: 'conv.delivered', data: { conv, seq } }))) receiptsSent++;
    }
    c.undelivered.clear();
  }
  while (reads.length > 0 && reads[0]!.at <= now) {
    const r = reads.shift()!;
    if ((r.c.reported.get(r.conv) ?? 0) < r.seq) r.c.reported.set(r.conv, r.seq);
    if (r.c.bench.send(JSON.stringify({ id: nextReceiptId++, op: 'conv.read', data: { conv: r.conv, seq: r.seq } }))) readsSent++;
  }
}

/** GET /healthz every `healthzMs`, one at a time, on a kept-alive connection. */
function startProbe(base: string): () => void {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let stopped = false;
  const once = (): void => {
    if (stopped) return;
    const t0 = nowNs();
    const req = httpRequest(`${base}/healthz`, { agent }, (res) => {
      res.resume();
      res.on('end', () => {
        if (sending) healthz.record((nowNs() - t0) / 1000);
        setTimeout(once, healthzMs);
      });
    });
    req.on('error', () => setTimeout(once, healthzMs));
    req.end();
  };
  once();
  return () => {
    stopped = true;
    agent.destroy();
  };
}

/** User and system CPU ms and the I/O counters of a process (Linux), for the split of its cost. */
function procDetail(pid: number): { userMs: number; sysMs: number; syscr: number; syscw: number; writeBytes: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const field = (k: string): number => Number(new RegExp(`${k}: (\\d+)`).exec(io)?.[1] ?? 0);
    return {
      userMs: Number(rest[11]) * 10,
      sysMs: Number(rest[12]) * 10,
      syscr: field('syscr'),
      syscw: field('syscw'),
      writeBytes: field('write_bytes'),
    };
  } catch {
    return { userMs: 0, sysMs: 0, syscr: 0, syscw: 0, writeBytes: 0 };
  }
}

function metricsText(base: string): Promise<string> {
  return fetch(`${base}/metrics`).then((r) => r.text());
}

const q = (h: Histogram, p: number): string => (h.quantile(p) / 1000).toFixed(2);

async function main(): Promise<void> {
  const placement = cpuPlacement(true);
  pinSelf(placement);
  const env: Record<string, string> = { WARBLER_GATEWAY_FRAMES_PER_SECOND: '100000', WARBLER_GATEWAY_FRAMES_BURST: '100000' };
  for (const kv of values['server-env']) {
    const i = kv.indexOf('=');
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const server = await spawnServer({
    placement,
    env,
    adminUser: 'benchadmin',
    keepData: false,
    nodeArgs: values['server-node-arg'],
    ...(values['server-cli'] ? { cli: values['server-cli'] } : {}),
  });
  const base = httpBase(server.wsUrl);
  try {
    const token = await adminLogin(server.wsUrl, server.adminUser, server.adminPassword);
    const made = await provisionUsers(server.wsUrl, token, runTag(), users);
    await new Promise<void>((resolve, reject) => {
      let ready = 0;
      const own: ClientOwner = {
        ...owner,
        settled(_c, code) {
          if (code !== undefined) return reject(new Error(`connect failed: ${code}`));
          if (++ready === users) resolve();
        },
      };
      made.forEach((u, i) => {
        const bench = new BenchClient(i, u.id, u.token, undefined, own);
        clients.push({ bench, undelivered: new Map(), reported: new Map(), dueAt: 0 });
        bench.open(server.wsUrl, 'connect', 30_000);
      });
    });
    say(
      `${users} users online; ${rate} msg/s for ${durationS} s, ${randomPairs ? 'random' : 'fixed'} pairs, receipts ${values.receipts ? 'on' : 'off'}, reads ${readShare}`,
    );
    const stopProbe = startProbe(base);
    const sweep = setInterval(receiptSweep, 20);
    const cpu0 = readProc(server.pid)!;
    const d0 = procDetail(server.pid);
    const t0 = nowNs();
    const total = Math.floor(rate * durationS);
    sending = true;
    let lastSecond = 0;
    let sample: ProcSample = cpu0;
    let ackMark = 0;
    let rssPeak = 0;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const elapsed = (nowNs() - t0) / 1e9;
        const due = Math.min(total, Math.floor(elapsed * rate));
        while (sent < due) {
          const n = sent++;
          const from = Math.floor(Math.random() * users);
          let to = randomPairs ? Math.floor(Math.random() * (users - 1)) : from ^ 1;
          if (randomPairs && to >= from) to++;
          if (to >= users) to = from - 1;
          const ns = nowNs();
          sentAt[n] = ns;
          const frame = `{"id":${n},"op":"msg.send","data":{"to":${made[to]!.id},"clientId":"w.${n}","text":"${encodeText(0, n, ns)}"}}`;
          if (!clients[from]!.bench.send(frame)) countError('not_ready');
        }
        const second = Math.floor(elapsed);
        if (second > lastSecond) {
          lastSecond = second;
          const s = readProc(server.pid);
          if (s) {
            rssPeak = Math.max(rssPeak, s.rssKb);
            say(
              `[${String(second).padStart(3)}s] sent ${sent} acked ${ackCount} (+${ackCount - ackMark}) pushed ${pushCount} ` +
                `cpu ${((100 * (s.cpuMs - sample.cpuMs)) / (s.at - sample.at)).toFixed(0)}% rss ${(s.rssKb / 1024).toFixed(0)}MiB ` +
                `ack p99 ${q(ack, 0.99)}ms errors ${[...errors.values()].reduce((a, b) => a + b, 0)}`,
            );
            sample = s;
            ackMark = ackCount;
          }
        }
        if (sent >= total) return resolve();
        setTimeout(tick, 1);
      };
      tick();
    });
    const sendEnd = nowNs();
    const deadline = Date.now() + graceS * 1000;
    while (Date.now() < deadline && (pushCount < ackCount || ackCount + errorSends() < sent)) await new Promise((r) => setTimeout(r, 50));
    sending = false;
    const drainEnd = nowNs();
    const cpu1 = readProc(server.pid)!;
    const d1 = procDetail(server.pid);
    clearInterval(sweep);
    stopProbe();
    const metrics = await metricsText(base).catch(() => '');
    let missing = 0;
    for (let i = 0; i < sent; i++) if (acked[i] && !pushed[i]) missing++;
    const serverCpuMs = cpu1.cpuMs - cpu0.cpuMs;
    const result = {
      users,
      rate,
      durationS,
      pairs: randomPairs ? 'random' : 'fixed',
      receipts: values.receipts,
      reads: readShare,
      serverCli: values['server-cli'] ?? 'this checkout',
      serverEnv: values['server-env'],
      sent,
      acked: ackCount,
      pushed: pushCount,
      missing,
      duplicates,
      outOfOrder,
      achievedRate: ackCount / ((sendEnd - t0) / 1e9),
      drainS: (drainEnd - sendEnd) / 1e9,
      ackMs: { p50: q(ack, 0.5), p90: q(ack, 0.9), p99: q(ack, 0.99), p999: q(ack, 0.999), max: q(ack, 1) },
      deliveryMs: { p50: q(delivery, 0.5), p99: q(delivery, 0.99), max: q(delivery, 1) },
      healthzMs: { n: healthz.count, p50: q(healthz, 0.5), p99: q(healthz, 0.99), max: q(healthz, 1) },
      maxPushGapMs: (maxPushGapNs / 1e6).toFixed(1),
      receiptsSent,
      receiptsAcked,
      readsSent,
      serverCpuAvgPct: ((100 * serverCpuMs) / (cpu1.at - cpu0.at)).toFixed(1),
      serverCpuMsPerMsg: (serverCpuMs / Math.max(1, ackCount)).toFixed(4),
      rssPeakMiB: (rssPeak / 1024).toFixed(0),
      perMessage: {
        userMs: ((d1.userMs - d0.userMs) / Math.max(1, ackCount)).toFixed(4),
        sysMs: ((d1.sysMs - d0.sysMs) / Math.max(1, ackCount)).toFixed(4),
        readSyscalls: ((d1.syscr - d0.syscr) / Math.max(1, ackCount)).toFixed(2),
        writeSyscalls: ((d1.syscw - d0.syscw) / Math.max(1, ackCount)).toFixed(2),
        writtenKiB: ((d1.writeBytes - d0.writeBytes) / 1024 / Math.max(1, ackCount)).toFixed(1),
      },
      errors: Object.fromEntries(errors),
      serverMetrics: metrics
        .split('\n')
        .filter((l) => /^warbler_(store|event_loop|write|batch|commit|admission)/.test(l))
        .join('\n'),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (values.json) await import('node:fs').then((fs) => fs.writeFileSync(values.json!, JSON.stringify(result, null, 2)));
  } finally {
    await Promise.all(clients.map((c) => c.bench.close(1000)));
    await server.stop();
  }
}

function errorSends(): number {
  let n = 0;
  for (const [k, v] of errors) if (k.startsWith('send:') || k === 'not_ready') n += v;
  return n;
}

main().catch((e: unknown) => {
  say(String(e instanceof Error ? (e.stack ?? e.message) : e));
  process.exit(3);
});
