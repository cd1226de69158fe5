import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OPS } from '@warbler/protocol/schemas';
import { eventually, newUser, startTestServer, type TestServer } from './helpers.js';

// Compiled to packages/server/dist/test/, four levels below the repository root.
const DEPLOY = readFileSync(fileURLToPath(new URL('../../../../docs/deploy.md', import.meta.url)), 'utf8');

interface Scrape {
  text: string;
  /** `name{labels}` → value, the `node` label left out. */
  values: Map<string, number>;
  /** The `node` label of each sample line. */
  nodes: Set<string>;
}

async function scrape(s: TestServer): Promise<Scrape> {
  const r = await fetch(`${s.adminUrl}/metrics`);
  assert.equal(r.status, 200);
  const text = await r.text();
  const values = new Map<string, number>();
  const nodes = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    const series = line.slice(0, i);
    nodes.add(/node="([^"]*)"/.exec(series)?.[1] ?? '(none)');
    const key = series.replace(/(,?)node="[^"]*"(,?)/, (_, a: string, b: string) => (a && b ? ',' : '')).replace('{}', '');
    values.set(key, Number(line.slice(i + 1)));
  }
  return { text, values, nodes };
}

function value(m: Scrape, name: string): number {
  const v = m.values.get(name);
  assert.ok(v !== undefined, `metric ${name} is missing`);
  return v;
}

/** The metric names (with their types) of docs/deploy.md's metric tables. */
function documentedMetrics(): [string, string][] {
  const out: [string, string][] = [];
  for (const line of DEPLOY.split('\n')) {
    const m = /^\| (`[a-z_]+`(?:, `[a-z_]+`)*) \| (counter|gauge|histogram)s? \|/.exec(line);
    if (m) for (const name of m[1]!.match(/[a-z_]+/g)!) out.push([name, m[2]!]);
  }
  return out;
}

test('/metrics has the documented metrics with their types, the process and Node defaults, and CPU as a counter', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const m = await scrape(s);
  const documented = documentedMetrics();
  assert.ok(documented.length >= 20, `docs/deploy.md lists the metrics (read ${documented.length})`);
  for (const [name, type] of documented) assert.match(m.text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), `${name} is a ${type}`);
  for (const [name, type] of [
    ['process_cpu_seconds_total', 'counter'],
    ['process_resident_memory_bytes', 'gauge'],
    ['nodejs_eventloop_lag_p99_seconds', 'gauge'],
    ['nodejs_heap_size_used_bytes', 'gauge'],
    ['nodejs_gc_duration_seconds', 'histogram'],
  ])
    assert.match(m.text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), `${name} is a ${type}`);
  for (const op of Object.keys(OPS))
    assert.equal(value(m, `warbler_op_duration_seconds_count{op="${op}"}`), 0, `${op} is there from the start`);
});

test('every series carries the node label of its server, so the series of several processes can be told apart and summed', async (t) => {
  const a = await startTestServer();
  t.after(() => a.close());
  const b = await startTestServer();
  t.after(() => b.close());
  const [ma, mb] = [await scrape(a), await scrape(b)];
  assert.deepEqual([...ma.nodes], [`${hostname()}:${a.port}`]);
  assert.deepEqual([...mb.nodes], [`${hostname()}:${b.port}`]);
  // Apart from `node`, the same series: a sum over `node` adds like with like.
  const names = (m: Scrape) => [...m.values.keys()].filter((k) => k.startsWith('warbler_')).sort();
  assert.deepEqual(names(ma), names(mb));
});

test('WebSocket frames and bytes in and out, and per-op latency, count what the clients did; bytes of closed connections stay counted', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const before = await scrape(s);
  const a = await newUser(s.wsUrl);
  const b = await newUser(s.wsUrl);
  t.after(() => [a.client, b.client].forEach((c) => c.close()));
  const got: string[] = [];
  b.client.on('message', (msg) => got.push(msg.text ?? ''));
  const text = 'x'.repeat(2000);
  for (let i = 0; i < 3; i++) await a.client.send({ to: b.id, text });
  await eventually(() => assert.equal(got.length, 3));

  const m = await scrape(s);
  assert.equal(value(m, 'warbler_connections'), 2, 'the two open connections');
  assert.equal(value(m, 'warbler_op_duration_seconds_count{op="msg.send"}'), 3);
  assert.ok(value(m, 'warbler_op_duration_seconds_count{op="hello"}') >= 2);
  assert.ok(value(m, 'warbler_op_duration_seconds_sum{op="msg.send"}') > 0);
  const framesIn = value(m, 'warbler_ws_frames_in_total') - value(before, 'warbler_ws_frames_in_total');
  const framesOut = value(m, 'warbler_ws_frames_out_total') - value(before, 'warbler_ws_frames_out_total');
  assert.ok(framesIn >= 7, `hello and login of two clients and 3 sends (${framesIn})`);
  assert.ok(framesOut >= 10, `their answers and 3 pushes (${framesOut})`);
  const bytesIn = value(m, 'warbler_ws_bytes_in_total');
  const bytesOut = value(m, 'warbler_ws_bytes_out_total');
  assert.ok(bytesIn > 3 * 2000, `the 3 texts came in (${bytesIn} bytes)`);
  assert.ok(bytesOut > 3 * 2000, `and went out, pushed to the recipient (${bytesOut} bytes)`);

  a.client.close();
  b.client.close();
  await eventually(async () => assert.equal(value(await scrape(s), 'warbler_connections'), 0));
  const after = await scrape(s);
  assert.ok(value(after, 'warbler_ws_bytes_in_total') >= bytesIn, 'a counter never goes down when its connection closes');
  assert.ok(value(after, 'warbler_ws_bytes_out_total') >= bytesOut);
});

test('the event-loop figures cover the time since the previous scrape, not since the start', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  await scrape(s);
  // The server runs in this process: blocking it here is what a long synchronous task would do.
  // A stall far longer than what a busy machine's scheduling adds (the bounds leave it 300 ms either way).
  const until = performance.now() + 800;
  while (performance.now() < until);
  const blocked = await scrape(s);
  // Right after a scrape: the period that holds the stall began before it (a sampler that restarts at
  // each scrape loses it; prom-client's nodejs_eventloop_lag_* do, so they are not checked here).
  assert.ok(value(blocked, 'warbler_event_loop_delay_max_seconds') >= 0.7, 'the stall is seen');
  const next = await scrape(s);
  assert.ok(value(next, 'warbler_event_loop_delay_max_seconds') < 0.5, 'and forgotten at the next scrape');
  assert.ok(value(next, 'warbler_event_loop_lag_seconds') < 0.5);
  assert.ok(value(next, 'nodejs_eventloop_lag_max_seconds') < 0.5);
});
