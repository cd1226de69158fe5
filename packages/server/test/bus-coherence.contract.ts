import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { APPLY_TIMEOUT_MS, type Bus, type ClusterMessage } from '../src/bus/bus.js';
import type { OpenedCluster } from './bus.contract.js';
import { eventually } from './helpers.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Registers the contract of what keeps state coherent across nodes (bus.ts: `publishApplied`,
 * `reset`, `counters`) for one Bus implementation, with one node and with three. `open(n)` makes a
 * fresh cluster of `n` nodes, as for busContract.
 */
export function busCoherenceContract(name: string, open: (nodes: number) => Promise<OpenedCluster>): void {
  for (const n of [1, 3]) {
    async function cluster(t: TestContext): Promise<Bus[]> {
      const { buses, cleanup } = await open(n);
      t.after(cleanup);
      return buses;
    }

    describe(`Bus coherence contract: ${name}, ${n} node(s)`, () => {
      test('publishApplied resolves once every other node has applied the message, its async work included', async (t) => {
        const buses = await cluster(t);
        const applied: string[] = [];
        for (const b of buses)
          b.on('group', async (m) => {
            await tick(20);
            applied.push(`${b.node}:${m.conv}`);
          });
        const silent = await buses[0]!.publishApplied({ t: 'group', conv: 'g:1' });
        assert.equal(silent, 0);
        // The publisher applied its change itself: the others did, before the promise resolved.
        assert.deepEqual(
          applied.sort(),
          buses
            .slice(1)
            .map((b) => `${b.node}:g:1`)
            .sort(),
        );
      });

      test('publishApplied of a kind that reaches the publisher waits for it too; a failing subscriber counts as applied', async (t) => {
        const buses = await cluster(t);
        const closed: string[] = [];
        for (const b of buses)
          b.on('kick', async () => {
            await tick(10);
            closed.push(b.node);
          });
        buses.at(-1)!.on('kick', () => Promise.reject(new Error('subscriber failed')));
        assert.equal(await buses[0]!.publishApplied({ t: 'kick', devices: [1], close: 'token_revoked' }), 0);
        assert.deepEqual(closed.sort(), buses.map((b) => b.node).sort());
      });

      test('publishApplied keeps the order of the publisher: what it sent before has arrived', async (t) => {
        const buses = await cluster(t);
        const seen: string[] = [];
        for (const b of buses.slice(1)) {
          b.on('presence', (m) => void seen.push(`${b.node}:presence:${m.user}`));
          b.on('contacts', (m) => void seen.push(`${b.node}:contacts:${m.a}`));
        }
        buses[0]!.publish({ t: 'presence', user: 5, online: true });
        await buses[0]!.publishApplied({ t: 'contacts', a: 6, b: 7, block: true });
        for (const b of buses.slice(1)) {
          const mine = seen.filter((s) => s.startsWith(`${b.node}:`));
          assert.deepEqual(mine, [`${b.node}:presence:5`, `${b.node}:contacts:6`]);
        }
      });

      test('a node that does not answer in time is counted, and the publisher goes on', async (t) => {
        if (n === 1) return t.skip('needs another node to stay silent');
        const buses = await cluster(t);
        buses[1]!.on('privacy', () => new Promise(() => undefined)); // never settles
        const started = Date.now();
        assert.equal(await buses[0]!.publishApplied({ t: 'privacy', user: 1, presence: 'nobody' }), 1);
        assert.ok(Date.now() - started >= APPLY_TIMEOUT_MS - 50, 'it waited for the silent node');
      });

      test('a node that left is not waited for; after close, publishApplied resolves 0 and sends nothing', async (t) => {
        const buses = await cluster(t);
        const got: string[] = [];
        for (const b of buses) b.on('accounts', () => void got.push(b.node));
        if (n > 1) {
          await buses.at(-1)!.close();
          assert.equal(await buses[0]!.publishApplied({ t: 'accounts' }), 0);
          assert.deepEqual(
            got.sort(),
            buses
              .slice(1, -1)
              .map((b) => b.node)
              .sort(),
          );
        }
        got.length = 0;
        await buses[0]!.close();
        assert.equal(await buses[0]!.publishApplied({ t: 'accounts' }), 0);
        await tick(30);
        assert.deepEqual(got, []);
      });

      test('reset reaches the publishing node only', async (t) => {
        const buses = await cluster(t);
        const got: string[] = [];
        for (const b of buses) b.on('reset', () => void got.push(b.node));
        const marker: string[] = [];
        buses.at(-1)!.on('presence', () => void marker.push('in'));
        buses[0]!.publish({ t: 'reset' });
        assert.equal(await buses.at(-1)!.publishApplied({ t: 'reset' }), 0);
        buses[0]!.publish({ t: 'presence', user: -1, online: true });
        await eventually(() => assert.deepEqual(marker, ['in']));
        assert.deepEqual(got, [buses[0]!.node, buses.at(-1)!.node]);
      });

      test('left and accounts are invalidations: every node but the publisher', async (t) => {
        const buses = await cluster(t);
        const got: [string, ClusterMessage][] = [];
        for (const b of buses) {
          b.on('left', (m) => void got.push([b.node, structuredClone(m)]));
          b.on('accounts', (m) => void got.push([b.node, structuredClone(m)]));
        }
        await buses[0]!.publishApplied({ t: 'left', conv: 'g:2', users: [3, 4] });
        await buses[0]!.publishApplied({ t: 'accounts' });
        const expected = buses.slice(1).flatMap((b): [string, ClusterMessage][] => [
          [b.node, { t: 'left', conv: 'g:2', users: [3, 4] }],
          [b.node, { t: 'accounts' }],
        ]);
        // Each node's messages in publish order; nothing orders the nodes among themselves.
        const byNode = (x: [string, unknown], y: [string, unknown]) => x[0].localeCompare(y[0]);
        assert.deepEqual(got.sort(byNode), expected.sort(byNode));
      });

      test('counters: hits from every node add to one total; a read creates nothing; reset starts over', async (t) => {
        const buses = await cluster(t);
        const key = `k:${Math.random()} 你好`;
        assert.deepEqual(await buses[0]!.counters.hit(key, 60_000, 0), { count: 0, resetMs: 0 }, 'a read of nothing');
        assert.deepEqual(await buses.at(-1)!.counters.hit(key, 60_000, 0), { count: 0, resetMs: 0 }, 'and it created nothing');
        const first = await buses[0]!.counters.hit(key, 60_000);
        assert.equal(first.count, 1);
        assert.ok(first.resetMs > 0 && first.resetMs <= 60_000);
        assert.equal((await buses.at(-1)!.counters.hit(key, 60_000, 2)).count, 3);
        // A later hit's window is ignored: the counter's window runs from its first hit.
        const later = await buses[0]!.counters.hit(key, 10, 0);
        assert.equal(later.count, 3);
        assert.ok(later.resetMs > 10);
        assert.equal((await buses.at(-1)!.counters.hit(`${key}:other`, 60_000)).count, 1, 'keys are independent');
        await buses.at(-1)!.counters.reset(key);
        await buses.at(-1)!.counters.reset(key); // idempotent
        assert.deepEqual(await buses[0]!.counters.hit(key, 60_000, 0), { count: 0, resetMs: 0 });
        assert.equal((await buses[0]!.counters.hit(key, 60_000)).count, 1);
      });

      test('counters: concurrent hits from every node each see their own total', async (t) => {
        const buses = await cluster(t);
        const key = `c:${Math.random()}`;
        const totals = await Promise.all(Array.from({ length: 90 }, (_, i) => buses[i % n]!.counters.hit(key, 60_000)));
        assert.deepEqual(
          totals.map((s) => s.count).sort((a, b) => a - b),
          Array.from({ length: 90 }, (_, i) => i + 1),
        );
      });

      test('counters: a window that ended starts again from 0', async (t) => {
        const buses = await cluster(t);
        const key = `w:${Math.random()}`;
        await buses[0]!.counters.hit(key, 40, 5);
        await eventually(async () => assert.deepEqual(await buses.at(-1)!.counters.hit(key, 40, 0), { count: 0, resetMs: 0 }));
        assert.equal((await buses.at(-1)!.counters.hit(key, 60_000)).count, 1);
      });
    });
  }
}
