/**
 * How many pushes a second one load worker can take: the receive path of the group scenario (the
 * worker's ClientPool, BenchClient and Tracker, as they run in `warbler-bench group`) against a flood
 * server that answers the handshake and then writes push frames in the server's layout, with no
 * Warbler server in the way. The flood runs on CPU 0, the receiver on CPU 1 (when taskset exists).
 *
 *   node packages/bench/dist/src/tools/recv-capacity.js [--connections N] [--rate R] [--per-write K] [--seconds S]
 *
 * `--per-write K` writes K frames to a socket at a time: 1 is a server that writes every push on its
 * own (one TCP segment, one read per push), more is a server that coalesces a socket's pushes.
 * Prints the frames per second received and the receiver's CPU time per frame.
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';
import type { ClientSpec } from '../ipc.js';
import { encodeText, nowNs } from '../message-text.js';
import { cpuPlacement, pinSelf } from '../placement.js';
import { ClientPool } from '../pool.js';
import { readProc } from '../proc-sampler.js';
import { Tracker } from '../tracker.js';

const SELF = fileURLToPath(import.meta.url);
const GROUP = 1;
const SENDER = 999_999;

/** A push frame exactly as the server writes it (header and payload), for socket `i`'s `seq`. */
function pushFrame(seq: number): Buffer {
  const text = encodeText(0, seq, nowNs());
  const payload = Buffer.from(
    `{"ev":"msg","data":{"id":${seq},"conv":"g:${GROUP}","seq":${seq},"from":${SENDER},"clientId":"b0.${seq}","ts":${Date.now()},"kind":"text","text":"${text}"}}`,
  );
  const head =
    payload.length < 126 ? Buffer.from([0x81, payload.length]) : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 255]);
  return Buffer.concat([head, payload]);
}

/** The flood server (child process): answers hello and auth.resume, then floods on 'go'. */
function flood(): void {
  const socks: Socket[] = [];
  const seqs: number[] = [];
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false, clientTracking: false });
  wss.on('connection', (ws) => {
    ws.on('message', (d: Buffer) => {
      const id = (JSON.parse(d.toString()) as { id: number }).id;
      ws.send(`{"id":${id},"ok":true,"data":{}}`);
      if (id === -2) {
        socks.push((ws as unknown as { _socket: Socket })._socket);
        seqs.push(0);
      }
    });
  });
  http.listen(0, '127.0.0.1', () => process.send!({ port: (http.address() as { port: number }).port }));
  process.on('message', (m: { rate: number; perWrite: number; seconds: number }) => {
    const t0 = performance.now();
    const total = Math.round(m.rate * m.seconds);
    let sent = 0;
    let i = 0;
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor((m.rate * (performance.now() - t0)) / 1000));
      while (sent < due) {
        const frames: Buffer[] = [];
        for (let k = 0; k < m.perWrite; k++) frames.push(pushFrame(++seqs[i]!));
        socks[i]!.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
        sent += m.perWrite;
        i = (i + 1) % socks.length;
      }
      if (sent >= total) {
        clearInterval(timer);
        process.send!({ sent, seconds: (performance.now() - t0) / 1000 });
      }
    }, 2);
  });
  process.on('disconnect', () => process.exit(0));
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      connections: { type: 'string', default: '5000' },
      rate: { type: 'string', default: '200000' },
      'per-write': { type: 'string', default: '1' },
      seconds: { type: 'string', default: '10' },
    },
  });
  const n = Number(v.connections);
  const rate = Number(v.rate);
  const perWrite = Number(v['per-write']);
  const seconds = Number(v.seconds);
  const place = cpuPlacement(true);
  const child = fork(SELF, ['--flood'], {
    ...(place.taskset ? { execPath: place.taskset, execArgv: ['-c', place.serverCpus!, process.execPath] } : {}),
  });
  const port = await new Promise<number>((r) => child.once('message', (m: { port: number }) => r(m.port)));
  pinSelf(place);
  const tracker = new Tracker(0, true);
  const specs: ClientSpec[] = Array.from({ length: n }, (_, i) => ({ id: i + 1, token: 't', group: 0, conv: `g:${GROUP}` }));
  const pool = new ClientPool(`ws://127.0.0.1:${port}/`, specs, n, tracker);
  const c = await pool.connectPhase('main', 0, 500, 30_000, 'connect');
  if (c.failed > 0) throw new Error(`${c.failed} connections failed`);
  pool.startReceiving();
  const done = new Promise<{ sent: number; seconds: number }>((r) => child.once('message', r));
  child.send({ rate, perWrite, seconds });
  const rows: { fps: number; cpu: number }[] = [];
  let last = { d: 0, cpu: readProc(process.pid)!.cpuMs, at: performance.now() };
  const timer = setInterval(() => {
    const now = { d: tracker.counters.delivered, cpu: readProc(process.pid)!.cpuMs, at: performance.now() };
    const s = (now.at - last.at) / 1000;
    rows.push({ fps: (now.d - last.d) / s, cpu: (now.cpu - last.cpu) / 10 / s });
    last = now;
  }, 1000);
  const sent = await done;
  await new Promise((r) => setTimeout(r, 1500));
  clearInterval(timer);
  // The middle seconds: the first and the last are partial.
  const mid = rows.slice(1, Math.max(2, rows.length - 2));
  const fps = mid.reduce((a, r) => a + r.fps, 0) / mid.length;
  const cpu = mid.reduce((a, r) => a + r.cpu, 0) / mid.length;
  const lat = tracker.hists.delivery;
  process.stdout.write(
    `connections ${n}, ${perWrite} frame(s) per write, offered ${rate}/s (flood wrote ${Math.round(sent.sent / sent.seconds)}/s): ` +
      `received ${Math.round(fps)} frames/s at ${cpu.toFixed(0)}% CPU = ${((cpu * 10_000) / fps).toFixed(2)} µs per frame; ` +
      `delivered ${tracker.counters.delivered} of ${sent.sent} (${tracker.counters.slowPushes} parsed as JSON), out of order ${tracker.counters.outOfOrder}, latency p50 ${(lat.quantile(0.5) / 1000).toFixed(1)} ms p99 ${(lat.quantile(0.99) / 1000).toFixed(1)} ms\n`,
  );
  child.disconnect();
  await pool.disconnect('all');
  process.exit(0);
}

if (process.argv.includes('--flood')) flood();
else
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
