import assert from 'node:assert/strict';
import { RawClient, adminFetch, apiKey, uniqueName, type Frame, type TestServer } from './helpers.js';

/** A user of a group test: an authenticated raw connection (or none), and what it takes to make more. */
export interface Member {
  id: number;
  username: string;
  token: string;
}

/** Creates `n` users with device tokens through the admin API (1000 per call). */
export async function provision(s: TestServer, n: number, prefix = 'gm'): Promise<Member[]> {
  const key = await apiKey(s, 'users:write');
  const out: Member[] = [];
  for (let i = 0; i < n; i += 1000) {
    const users = Array.from({ length: Math.min(1000, n - i) }, () => ({ username: uniqueName(prefix) }));
    const r = await adminFetch(s, '/api/admin/users', { key, method: 'POST', body: { users, issueTokens: true } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    out.push(...(r.body as unknown as { users: Member[] }).users);
  }
  return out;
}

/** A raw connection authenticated with a device token. */
export async function connect(s: TestServer, token: string): Promise<RawClient> {
  const c = await RawClient.open(s.wsUrl);
  await c.request('hello', { protocol: 1 });
  const r = await c.request('auth.resume', { token });
  assert.equal(r.ok, true, JSON.stringify(r.error));
  return c;
}

/** Connects many tokens, at most `concurrency` handshakes at a time; in the order of `tokens`. */
export async function connectMany(s: TestServer, tokens: readonly string[], concurrency = 32): Promise<RawClient[]> {
  const out: RawClient[] = new Array<RawClient>(tokens.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tokens.length) {
      const i = next++;
      out[i] = await connect(s, tokens[i]!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

/** Registers a new user on a new raw connection; also returns its username. */
export async function rawUser(s: TestServer): Promise<{ c: RawClient; id: number; token: string; username: string }> {
  const c = await RawClient.open(s.wsUrl);
  const username = uniqueName('g');
  const r = await c.registerNew(username);
  return { c, id: r.id, token: r.token, username };
}

/** Sends a request that must succeed; returns its result. */
export async function ok<T = Record<string, unknown>>(c: RawClient, op: string, data: unknown): Promise<T> {
  const r = await c.request(op, data);
  assert.equal(r.ok, true, `${op} ${JSON.stringify(data).slice(0, 200)} failed: ${JSON.stringify(r.error)}`);
  return r.data as T;
}

/** Sends a request that must fail with `code`; returns the error. */
export async function fails(c: RawClient, op: string, data: unknown, code: string): Promise<NonNullable<Frame['error']>> {
  const r = await c.request(op, data);
  assert.equal(r.ok, false, `${op} ${JSON.stringify(data).slice(0, 200)} should fail with ${code}, got ${JSON.stringify(r.data)}`);
  assert.equal(r.error!.code, code, `${op}: ${r.error!.message}`);
  return r.error!;
}

let clientSeq = 0;
/** A text message to a conversation; resolves with the ack. */
export function say(c: RawClient, conv: string, text: string): Promise<{ id: number; seq: number; conv: string }> {
  return ok(c, 'msg.send', { conv, clientId: `t-${process.pid}-${++clientSeq}`, text });
}

export interface WireMsg {
  id: number;
  conv: string;
  seq: number;
  from: number;
  kind: string;
  text?: string;
  event?: { type: string; actor?: number; users?: number[]; [k: string]: unknown };
}

/** The `msg` events a connection got so far, of one conversation if given. */
export function pushed(c: RawClient, conv?: string): WireMsg[] {
  return c.frames
    .filter((f) => f.ev === 'msg')
    .map((f) => f.data as unknown as WireMsg)
    .filter((m) => conv === undefined || m.conv === conv);
}

/** Every message of `conv` a sync from scratch returns to this connection, paging until done. */
export async function syncAll(c: RawClient, conv: string): Promise<WireMsg[]> {
  const got: WireMsg[] = [];
  const cursors: Record<string, number> = {};
  for (let i = 0; i < 100; i++) {
    const r = await ok<{ messages: WireMsg[]; more: boolean }>(c, 'sync', { cursors, limit: 500 });
    for (const m of r.messages) {
      cursors[m.conv] = m.seq;
      if (m.conv === conv) got.push(m);
    }
    if (!r.more) return got;
  }
  throw new Error('sync did not end');
}

/** `[seq, type]` of group events and `[seq, kind]` of other messages: what a replay must match. */
export const shape = (ms: readonly WireMsg[]): [number, string][] => ms.map((m) => [m.seq, m.kind === 'group' ? m.event!.type : m.kind]);
