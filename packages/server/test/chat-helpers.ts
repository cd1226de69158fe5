import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { directConvId, type ErrorCode, type Message } from '@warbler/protocol';
import { WarblerRequestError, type WarblerClient } from '@warbler/sdk';
import { newUser, sdkClient, type TestServer } from './helpers.js';

/** A user on an SDK client, collecting every message delivered to it. */
export interface ChatUser {
  client: WarblerClient;
  id: number;
  token: string;
  /** Messages delivered by the client's stream (pushes and syncs), in order per conversation. */
  got: Message[];
}

/**
 * Registers a user whose client collects its messages; closed after the test. Its automatic delivery
 * reports are off, so "nothing changed" snapshots see only what the test's own requests changed.
 */
export async function chatUser(t: TestContext, s: TestServer): Promise<ChatUser> {
  const u = await newUser(s.wsUrl, { deliveryReceipts: false });
  const got: Message[] = [];
  u.client.on('message', (m) => got.push(m));
  t.after(() => u.client.close());
  return { client: u.client, id: u.id, token: u.token, got };
}

/** Two users and their one-to-one conversation id. */
export async function chatPair(t: TestContext, s: TestServer): Promise<{ a: ChatUser; b: ChatUser; conv: string }> {
  const a = await chatUser(t, s);
  const b = await chatUser(t, s);
  return { a, b, conv: directConvId(a.id, b.id) };
}

/** Another device of `u`, connected with its token, not syncing by itself; closed after the test. */
export async function otherDevice(t: TestContext, s: TestServer, u: ChatUser): Promise<WarblerClient> {
  const c = await sdkClient(s.wsUrl, { autoSync: false, deliveryReceipts: false });
  await c.resume(u.token);
  t.after(() => c.close());
  return c;
}

let n = 0;
/** A fresh client message id. */
export function cid(prefix = 'c'): string {
  return `${prefix}-${process.pid}-${++n}`;
}

/** Asserts that `p` is refused with the error `code`. */
export async function refused(p: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof WarblerRequestError, String(e));
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** Every message of `conv` as `c`'s user reads it now (history, oldest first). */
export async function read(c: WarblerClient, conv: string): Promise<Message[]> {
  return (await c.request('msg.history', { conv, limit: 500 })).messages;
}

/** What a user sees of a conversation and their account: its history, their conversation list and their sync. */
export async function snapshot(c: WarblerClient, conv: string): Promise<string> {
  const [history, list, sync] = await Promise.all([read(c, conv), c.request('conv.list', {}), c.request('sync', { limit: 500 })]);
  return JSON.stringify({ history, list, sync });
}

/** All of `u`'s conversations synced from the start by a device that was offline. */
export async function syncAll(c: WarblerClient): Promise<Message[]> {
  const out: Message[] = [];
  const cursors: Record<string, number> = {};
  for (;;) {
    const r = await c.request('sync', { cursors, limit: 500 });
    for (const m of r.messages) {
      out.push(m);
      cursors[m.conv] = m.seq;
    }
    if (!r.more) return out;
  }
}
