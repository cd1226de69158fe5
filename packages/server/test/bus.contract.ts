import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { CloseName } from '@warbler/protocol';
import type { Bus, LocalDelivery } from '../src/bus/bus.js';
import { eventually } from './helpers.js';

/** What a Bus implementation's test gives the contract: a fresh bus and its teardown. */
export interface OpenedBus {
  bus: Bus;
  /** Closes the bus (it may already be closed) and releases whatever it used. */
  cleanup: () => Promise<void>;
}

type Received =
  | { type: 'deliver'; userIds: number[]; payload: string; except: string | undefined }
  | { type: 'kick'; deviceIds: number[]; close: CloseName };

/** A LocalDelivery that records what reaches it, copying arguments as they arrive. */
class Recorder implements LocalDelivery {
  readonly received: Received[] = [];
  deliver(userIds: readonly number[], payload: string, exceptConn?: string): void {
    this.received.push({ type: 'deliver', userIds: [...userIds], payload, except: exceptConn });
  }
  kick(deviceIds: readonly number[], close: CloseName): void {
    this.received.push({ type: 'kick', deviceIds: [...deviceIds], close });
  }
  payloads(): string[] {
    return this.received.flatMap((r) => (r.type === 'deliver' ? [r.payload] : []));
  }
}

/**
 * Lets a bus that delivers asynchronously finish what it would deliver. Only for asserting that
 * something does NOT arrive, where no later event can mark the end.
 */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 10));
}

/** Registers the Bus contract tests for one implementation; delivery may be synchronous or not. */
export function busContract(name: string, open: () => Promise<OpenedBus>): void {
  async function attached(t: TestContext): Promise<{ bus: Bus; local: Recorder }> {
    const { bus, cleanup } = await open();
    t.after(cleanup);
    const local = new Recorder();
    bus.attach(local);
    return { bus, local };
  }

  describe(`Bus contract: ${name}`, () => {
    test('publish reaches the attached delivery with userIds, payload and except intact', async (t) => {
      const { bus, local } = await attached(t);
      const payload = JSON.stringify({ ev: 'msg', data: { text: 'hé 你好 \u2028 "quoted" \\ 🐦' } });
      const ids = [3, 1, 2];
      bus.publish(ids, payload, 'conn-7');
      ids.push(99); // the publisher reusing its array must not change what was published
      bus.publish([42], 'second');
      await eventually(() => assert.equal(local.received.length, 2));
      assert.deepEqual(local.received, [
        { type: 'deliver', userIds: [3, 1, 2], payload, except: 'conn-7' },
        { type: 'deliver', userIds: [42], payload: 'second', except: undefined },
      ]);
    });

    test('publishes arrive in publish order', async (t) => {
      const { bus, local } = await attached(t);
      const sent = Array.from({ length: 200 }, (_, i) => `{"n":${i}}`);
      for (const [i, p] of sent.entries()) bus.publish([1 + (i % 3)], p);
      await eventually(() => assert.equal(local.received.length, sent.length));
      assert.deepEqual(local.payloads(), sent);
    });

    test('kick reaches the attached delivery with device ids and close name', async (t) => {
      const { bus, local } = await attached(t);
      bus.kick([5, 6], 'token_revoked');
      bus.kick([7], 'logged_out');
      await eventually(() => assert.equal(local.received.length, 2));
      assert.deepEqual(local.received, [
        { type: 'kick', deviceIds: [5, 6], close: 'token_revoked' },
        { type: 'kick', deviceIds: [7], close: 'logged_out' },
      ]);
    });

    test('events published before attach are dropped', async (t) => {
      const { bus, cleanup } = await open();
      t.after(cleanup);
      bus.publish([1], 'early');
      bus.kick([1], 'logged_out');
      const local = new Recorder();
      bus.attach(local);
      bus.publish([1], 'marker');
      // Publish order holds, so once the marker is in, anything early would already be there.
      await eventually(() => assert.deepEqual(local.payloads(), ['marker']));
      assert.deepEqual(local.received, [{ type: 'deliver', userIds: [1], payload: 'marker', except: undefined }]);
    });

    test('nothing is delivered after close, and publishing then does not throw', async (t) => {
      const { bus, local } = await attached(t);
      bus.publish([1], 'before');
      await eventually(() => assert.deepEqual(local.payloads(), ['before']));
      await bus.close();
      // Services may still publish while the server shuts down: that must be harmless.
      assert.doesNotThrow(() => bus.publish([1], 'after'));
      assert.doesNotThrow(() => bus.kick([1], 'server_shutdown'));
      await settle();
      assert.deepEqual(local.received, [{ type: 'deliver', userIds: [1], payload: 'before', except: undefined }]);
    });
  });
}
