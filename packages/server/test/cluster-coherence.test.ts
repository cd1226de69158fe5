import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { MemoryNetwork } from '../src/bus/bus-memory.js';
import { createLogger, loadConfig, startServer, type WarblerServer } from '../src/index.js';
import { fails, ok, pushed, say, type WireMsg } from './group-helpers.js';
import { RawClient, adminFetch, apiKey, tempDir, uniqueName } from './helpers.js';

/**
 * Coherence across processes (docs/deploy.md, "Several processes"): a change made through one server is
 * in force on every server by the time its answer arrives. Three servers in this process on one SQLite
 * file, their buses on a memory network that carries each message 50 ms late, as a network bus may: a
 * rule that held only because the in-process network is fast fails here.
 */
const LATENCY_MS = 50;

async function startCluster(t: TestContext): Promise<[WarblerServer, WarblerServer, WarblerServer]> {
  const dataDir = tempDir();
  const net = new MemoryNetwork(() => undefined, LATENCY_MS);
  const servers: WarblerServer[] = [];
  t.after(async () => {
    for (const s of servers) await s.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  for (let i = 0; i < 3; i++) {
    const config = loadConfig({
      overrides: {
        dataDir,
        server: { port: 0, host: '127.0.0.1' },
        admin: { port: 0 },
        auth: { scryptCost: 1024, registration: 'open', loginThrottle: { freeFailures: 2, baseDelayMs: 60_000 } },
        store: { sqlite: { synchronous: 'normal' } },
        log: { level: 'silent' },
      },
    });
    servers.push(await startServer(config, createLogger('silent'), [], { bus: net.join() }));
  }
  return servers as [WarblerServer, WarblerServer, WarblerServer];
}

interface User {
  id: number;
  username: string;
  token: string;
  /** A connection on the server the user was made on. */
  c: RawClient;
}

/** A new user, registered and connected on `s`. */
async function user(t: TestContext, s: WarblerServer): Promise<User> {
  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  const username = uniqueName('coh');
  const r = await c.registerNew(username);
  return { id: r.id, username, token: r.token, c };
}

/** Another connection of `u`'s device, on server `s`. */
async function on(t: TestContext, s: WarblerServer, u: User): Promise<RawClient> {
  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  await ok(c, 'hello', { protocol: 1 });
  await ok(c, 'auth.resume', { token: u.token });
  return c;
}

/** A group `owner` makes with `members`; each member (on its own connection) sends once, so every server holds its state. */
async function warmGroup(owner: User, members: { c: RawClient; id: number }[]): Promise<string> {
  const { group } = await ok<{ group: { conv: string } }>(owner.c, 'group.create', { name: 'team', members: members.map((m) => m.id) });
  for (const m of members) await say(m.c, group.conv, 'warming up');
  return group.conv;
}

/** What `c` got when a request or a close came first: the close code, or 'answered'. */
async function closedOrAnswered(c: RawClient): Promise<number | 'answered'> {
  return Promise.race([c.closed.then((x) => x.code), c.request('ping', {}).then(() => 'answered' as const)]);
}

test('a member removed through server 1 gets no push, history or sync of new messages through server 2 or 3', async (t) => {
  const [s1, s2, s3] = await startCluster(t);
  const owner = await user(t, s1);
  const gone = await user(t, s2);
  const stays = await user(t, s3);
  const conv = await warmGroup(owner, [gone, stays]);
  await ok(owner.c, 'group.remove', { conv, users: [gone.id] });

  // Right after the answer: a send through server 3; the removed user asks through server 2.
  await say(stays.c, conv, 'after the removal');
  await fails(gone.c, 'msg.history', { conv }, 'not_member');
  const sync = await ok<{ messages: WireMsg[]; left?: string[] }>(gone.c, 'sync', { cursors: { [conv]: 1 } });
  assert.deepEqual(
    sync.messages.filter((m) => m.conv === conv && m.text === 'after the removal'),
    [],
    'no sync of it through server 2',
  );
  await fails(gone.c, 'msg.send', { conv, clientId: `x-${Date.now()}`, text: 'still in?' }, 'not_member');
  // A marker from server 3 to the removed user: one publisher's messages arrive in order, so once the
  // marker is there, a push of the group message from server 3 would be too.
  await ok(stays.c, 'msg.send', { to: gone.id, clientId: `marker-${Date.now()}`, text: 'marker' });
  await gone.c.waitFor((f) => f.ev === 'msg' && (f.data as unknown as WireMsg).text === 'marker');
  assert.deepEqual(
    pushed(gone.c, conv).map((m) => m.text ?? m.event?.type),
    ['created', 'warming up', 'removed'],
    'no push of the new message through server 3',
  );
  const viaS3 = await on(t, s3, gone);
  await fails(viaS3, 'msg.history', { conv }, 'not_member');
});

test("a block made through server 1 stops the blocked user's next send through server 2", async (t) => {
  const [s1, s2] = await startCluster(t);
  const blocker = await user(t, s1);
  const sender = await user(t, s2);
  await ok(sender.c, 'msg.send', { to: blocker.id, clientId: 'first', text: 'hello' });
  await ok(blocker.c, 'block.add', { user: sender.id });
  await fails(sender.c, 'msg.send', { to: blocker.id, clientId: 'second', text: 'blocked?' }, 'blocked');
  await ok(blocker.c, 'block.remove', { user: sender.id });
  await ok(sender.c, 'msg.send', { to: blocker.id, clientId: 'third', text: 'unblocked' });
});

test('a presence privacy change made through server 1 has reached the watchers on server 2 by its answer', async (t) => {
  const [s1, s2] = await startCluster(t);
  const target = await user(t, s1);
  const watcher = await user(t, s2);
  await ok(watcher.c, 'friend.request', { user: target.id });
  await ok(target.c, 'friend.accept', { user: watcher.id });
  const watched = await ok<{ presence: unknown[] }>(watcher.c, 'presence.watch', { users: [target.id] });
  assert.deepEqual(watched.presence, [{ user: target.id, online: true }]);
  await ok(target.c, 'privacy.update', { presence: 'nobody' });
  // The watcher's server wrote the new state before it let server 1 answer: a round trip on the
  // watcher's own connection comes after it.
  await ok(watcher.c, 'ping', {});
  const seen = watcher.c.frames.filter((f) => f.ev === 'presence').map((f) => f.data);
  assert.deepEqual(seen, [{ user: target.id, online: false }]);
});

test('role, mute and everyone-muted changes made through server 1 apply to sends through servers 2 and 3', async (t) => {
  const [s1, s2, s3] = await startCluster(t);
  const owner = await user(t, s1);
  const member = await user(t, s2);
  const admin = await user(t, s3);
  const conv = await warmGroup(owner, [member, admin]);
  await ok(owner.c, 'group.role', { conv, user: admin.id, role: 'admin' });

  await ok(owner.c, 'group.mute', { conv, user: member.id, seconds: 3600 });
  await fails(member.c, 'msg.send', { conv, clientId: 'm1', text: 'muted?' }, 'member_muted');
  await ok(owner.c, 'group.mute', { conv, user: member.id, seconds: 0 });
  await say(member.c, conv, 'unmuted');

  await ok(owner.c, 'group.update', { conv, mutedAll: true });
  await fails(member.c, 'msg.send', { conv, clientId: 'm2', text: 'announcements only?' }, 'group_muted');
  // Once a push from server 1 reached the admin on server 3, server 3 has had every change of server 1
  // before it (one publisher's messages arrive in order): the admin's send then loads the group there.
  await ok(owner.c, 'msg.send', { to: admin.id, clientId: 'marker', text: 'marker' });
  await admin.c.waitFor((f) => f.ev === 'msg' && (f.data as unknown as WireMsg).text === 'marker');
  await say(admin.c, conv, 'an admin still speaks');
  await ok(owner.c, 'group.role', { conv, user: admin.id, role: 'member' });
  await fails(admin.c, 'msg.send', { conv, clientId: 'a1', text: 'and now?' }, 'group_muted');
});

test('a device revoked, or an account disabled, through server 1 has its sessions on server 2 closed by the answer', async (t) => {
  const [s1, s2] = await startCluster(t);
  const owner = await user(t, s1);
  const other = await RawClient.open(s2.wsUrl);
  t.after(() => other.close());
  await ok(other, 'hello', { protocol: 1 });
  const login = await ok<{ deviceId: number }>(other, 'auth.login', { username: owner.username, password: 'password-123' });
  await ok(owner.c, 'device.revoke', { deviceId: login.deviceId });
  assert.equal(await closedOrAnswered(other), 4101, 'token_revoked, before another request is answered');

  const target = await user(t, s1);
  const elsewhere = await on(t, s2, target);
  const key = await apiKey(s1, 'users:write');
  const r = await adminFetch(s1, `/api/admin/users/${target.username}/disable`, { key, method: 'POST' });
  assert.equal(r.status, 200);
  assert.equal(await closedOrAnswered(elsewhere), 4103, 'account_disabled, before another request is answered');
});

test('the login throttle counts the failures made through every server', async (t) => {
  const [s1, s2, s3] = await startCluster(t);
  const u = await user(t, s1);
  const attempt = async (s: WarblerServer, password: string) => {
    const c = await RawClient.open(s.wsUrl);
    t.after(() => c.close());
    await ok(c, 'hello', { protocol: 1 });
    const r = await c.request('auth.login', { username: u.username, password });
    return r.ok ? 'ok' : r.error!.code;
  };
  // Two free failures, one on each of two servers; the third server refuses even the right password.
  assert.equal(await attempt(s1, 'wrong-password-1'), 'invalid_credentials');
  assert.equal(await attempt(s2, 'wrong-password-2'), 'invalid_credentials');
  assert.equal(await attempt(s3, 'password-123'), 'rate_limited');
});
