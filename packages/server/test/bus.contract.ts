import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { Bus, ClusterMessage, LocalDelivery, SubscribedKind } from '../src/bus/bus.js';
import { eventually } from './helpers.js';

/** What a Bus implementation's test gives the contract: `n` nodes of one fresh cluster, and its teardown. */
export interface OpenedCluster {
  buses: Bus[];
  /** Closes every bus (some may already be closed) and releases whatever they used. */
  cleanup: () => Promise<void>;
}

/** What reached one node, in arrival order: `deliver` as it came to the LocalDelivery, the rest with its sender. */
type Received = { t: 'deliver'; users: number[]; payload: string; except: string | undefined } | { msg: ClusterMessage; from: string };

const KINDS: readonly SubscribedKind[] = ['kick', 'presence', 'group', 'members', 'contacts', 'privacy'];

/** A node's LocalDelivery and subscriber of every kind that records what reaches it, copying arguments. */
class Recorder implements LocalDelivery {
  readonly received: Received[] = [];
  constructor(bus: Bus) {
    bus.attach(this);
    for (const k of KINDS) bus.on(k, (msg, from) => this.received.push({ msg: structuredClone(msg) as ClusterMessage, from }));
  }
  deliver(users: readonly number[], payload: string, except?: string): void {
    this.received.push({ t: 'deliver', users: [...users], payload, except });
  }
  payloads(): string[] {
    return this.received.flatMap((r) => ('t' in r ? [r.payload] : []));
  }
  messages(): ClusterMessage[] {
    return this.received.flatMap((r) => ('msg' in r ? [r.msg] : []));
  }
}

/** A message no test publishes otherwise: once it arrives, what the same publisher sent before has too. */
const marker = (n: number): ClusterMessage & { t: 'presence' } => ({ t: 'presence', user: -n, online: true });

/**
 * Registers the Bus contract tests (bus.ts, online.ts) for one implementation, once with one node and
 * once with three. `open(n)` makes a fresh cluster of `n` nodes. With one node, "the other node" is the
 * same one: each test states what it checks across nodes, and what holds on a single node.
 */
export function busContract(name: string, open: (nodes: number) => Promise<OpenedCluster>): void {
  for (const n of [1, 3]) {
    async function cluster(t: TestContext): Promise<{ buses: Bus[]; rec: Recorder[]; first: Bus; last: Bus }> {
      const { buses, cleanup } = await open(n);
      t.after(cleanup);
      const rec = buses.map((b) => new Recorder(b));
      return { buses, rec, first: buses[0]!, last: buses[n - 1]! };
    }

    describe(`Bus contract: ${name}, ${n} node(s)`, () => {
      test('deliver reaches its own node and the node holding the user, users and payload intact, except only on its own node', async (t) => {
        const { rec, first, last } = await cluster(t);
        await last.online.connect(last.node, 7, 70);
        const payload = JSON.stringify({ ev: 'msg', data: { text: 'hé 你好 \u2028 "quoted" \\ 🐦' } });
        const users = [3, 7, 2];
        first.deliver(users, payload, 'conn-7');
        users.push(99); // the publisher reusing its array must not change what was published
        first.deliver([7], 'second');
        const expected = [
          { t: 'deliver', users: [3, 7, 2], payload, except: 'conn-7' },
          { t: 'deliver', users: [7], payload: 'second', except: undefined },
        ];
        // The publisher's own node gets it synchronously (its hub keeps those it holds), with the
        // connection to leave out, which is one of its own: another node leaves none out.
        assert.deepEqual(rec[0]!.received, expected);
        const elsewhere = n === 1 ? expected : [{ ...expected[0]!, except: undefined }, expected[1]!];
        await eventually(() => assert.deepEqual(rec.at(-1)!.received, elsewhere));
        if (n === 3) {
          // A node that holds none of the users gets nothing: a marker from the same publisher came after.
          first.publish(marker(1));
          await eventually(() => assert.deepEqual(rec[1]!.messages(), [marker(1)]));
          assert.deepEqual(rec[1]!.payloads(), []);
        }
      });

      test('messages of one publisher arrive in publish order, all kinds together', async (t) => {
        const { rec, first, last } = await cluster(t);
        await last.online.connect(last.node, 1, 10);
        const sent: unknown[] = [];
        for (let i = 0; i < 200; i++) {
          if (i % 3 === 2) {
            const m: ClusterMessage = { t: 'presence', user: i, online: true };
            first.publish(m);
            sent.push(m);
          } else {
            first.deliver([1], `{"n":${i}}`);
            sent.push(`{"n":${i}}`);
          }
        }
        const seen = (r: Recorder) => r.received.map((x) => ('t' in x ? x.payload : x.msg));
        await eventually(() => assert.equal(rec.at(-1)!.received.length, sent.length));
        assert.deepEqual(seen(rec.at(-1)!), sent);
      });

      test('kick reaches every node, the publisher included, with device ids and close name', async (t) => {
        const { rec, first } = await cluster(t);
        first.publish({ t: 'kick', devices: [5, 6], close: 'token_revoked' });
        first.publish({ t: 'kick', devices: [7], close: 'logged_out' });
        const expected = [
          { t: 'kick', devices: [5, 6], close: 'token_revoked' },
          { t: 'kick', devices: [7], close: 'logged_out' },
        ];
        assert.deepEqual(rec[0]!.messages(), expected, 'on the publishing node, synchronously');
        for (const r of rec) await eventually(() => assert.deepEqual(r.messages(), expected));
        for (const r of rec) assert.ok(r.received.every((x) => 'msg' in x && x.from === first.node));
      });

      test('invalidations reach every node but the publisher', async (t) => {
        const { rec, first } = await cluster(t);
        const invalidations: ClusterMessage[] = [
          { t: 'group', conv: 'g:9' },
          { t: 'members', users: [1], members: [1, 2, 3] },
          { t: 'contacts', a: 1, b: 2, block: true },
          { t: 'contacts', a: 1, b: 3 },
          { t: 'privacy', user: 4, presence: 'nobody' },
        ];
        for (const m of invalidations) first.publish(m as Exclude<ClusterMessage, { t: 'deliver' }>);
        first.publish(marker(2));
        for (const r of rec.slice(1)) await eventually(() => assert.deepEqual(r.messages(), [...invalidations, marker(2)]));
        assert.deepEqual(rec[0]!.messages(), [marker(2)], 'the publisher has applied its change itself');
      });

      test('presence changes reach every node, the publisher included', async (t) => {
        const { rec, last } = await cluster(t);
        const m: ClusterMessage = { t: 'presence', user: 8, online: false, lastSeen: 1234 };
        last.publish(m);
        assert.deepEqual(rec.at(-1)!.messages(), [m]);
        for (const r of rec) await eventually(() => assert.deepEqual(r.received, [{ msg: m, from: last.node }]));
      });

      test('a subscriber that throws stops neither the others nor later messages', async (t) => {
        const { first, last } = await cluster(t);
        last.on('presence', (m) => {
          if (m.user === 1) throw new Error('subscriber failed');
        });
        const after: number[] = [];
        last.on('presence', (m) => after.push(m.user));
        first.publish({ t: 'presence', user: 1, online: true });
        first.publish({ t: 'presence', user: 2, online: true });
        await eventually(() => assert.deepEqual(after, [1, 2]));
      });

      test('messages published before attach reach no delivery', async (t) => {
        const { buses, cleanup } = await open(n);
        t.after(cleanup);
        const first = buses[0]!;
        first.deliver([1], 'early');
        const local = new Recorder(first);
        first.deliver([1], 'marker');
        await eventually(() => assert.deepEqual(local.payloads(), ['marker']));
        assert.deepEqual(local.received, [{ t: 'deliver', users: [1], payload: 'marker', except: undefined }]);
      });

      test('nothing is handled after close, and publishing then does not throw', async (t) => {
        const { rec, first } = await cluster(t);
        first.deliver([1], 'before');
        assert.deepEqual(rec[0]!.payloads(), ['before']);
        await first.close();
        await first.close(); // idempotent
        // Services may still publish while the server shuts down: that must be harmless.
        assert.doesNotThrow(() => first.deliver([1], 'after'));
        assert.doesNotThrow(() => first.publish({ t: 'kick', devices: [1], close: 'server_shutdown' }));
        await new Promise((r) => setTimeout(r, 30));
        assert.deepEqual(rec[0]!.received, [{ t: 'deliver', users: [1], payload: 'before', except: undefined }]);
      });

      test('the registry: first and last connection anywhere, who is online, which device where', async (t) => {
        const { buses, first, last } = await cluster(t);
        const reg = first.online;
        assert.equal(await reg.connect(first.node, 1, 10), true, "user 1's first connection");
        assert.equal(await last.online.connect(last.node, 1, 11), false, 'a second device, maybe on another node');
        assert.equal(await reg.connect(first.node, 1, 10), false, 'a second connection of one device');
        assert.deepEqual(
          (await buses[n - 1]!.online.devicesOf(1)).sort((a, b) => a.device - b.device),
          [
            { device: 10, node: first.node },
            { device: 11, node: last.node },
          ],
        );
        assert.deepEqual([...(await reg.onlineAmong([1, 2]))], [1]);
        assert.equal(await reg.disconnect(first.node, 1, 10), false);
        assert.equal(await reg.disconnect(first.node, 1, 10), false, 'device 11 is still connected');
        assert.equal(await reg.disconnect(first.node, 1, 10), false, 'a disconnect without its connect changes nothing');
        assert.deepEqual(await reg.devicesOf(1), [{ device: 11, node: last.node }]);
        assert.equal(await last.online.disconnect(last.node, 1, 11), true, "user 1's last connection");
        assert.deepEqual([...(await reg.onlineAmong([1, 2]))], []);
        assert.deepEqual(await reg.devicesOf(1), []);
      });

      test('a node that leaves: its entries go, and the others get presence offline for users left nowhere', async (t) => {
        if (n === 1) return t.skip('needs a node that stays to see another one leave');
        const { rec, first, last } = await cluster(t);
        await last.online.connect(last.node, 1, 10); // only on the leaving node
        await last.online.connect(last.node, 2, 20); // on both
        await first.online.connect(first.node, 2, 21);
        const before = Date.now();
        await last.close();
        assert.deepEqual([...(await first.online.onlineAmong([1, 2]))], [2]);
        assert.deepEqual(await first.online.devicesOf(2), [{ device: 21, node: first.node }]);
        for (const r of rec.slice(0, -1))
          await eventually(() => {
            const m = r.messages();
            assert.equal(m.length, 1);
            assert.ok(m[0]!.t === 'presence' && m[0]!.user === 1 && !m[0]!.online && m[0]!.lastSeen! >= before);
          });
        // A deliver to a user who was only there goes to nobody else.
        first.deliver([1], 'to nobody');
        first.publish(marker(3));
        await eventually(() => assert.equal(rec[1]!.messages().length, 2));
        assert.deepEqual(rec[1]!.payloads(), []);
      });
    });
  }
}
