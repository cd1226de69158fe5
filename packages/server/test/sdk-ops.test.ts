import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Op } from '@warbler/protocol';
import { OP_NAMES } from '@warbler/protocol/schemas';
import { WarblerClient, type ClientOptions } from '@warbler/sdk';
import { WebSocket } from 'ws';
import { startTestServer, uniqueName } from './helpers.js';

// Every op of the protocol has a typed SDK method: each method below is called on a real connection
// and the op it puts on the wire is recorded. A new op without a method fails to compile here (the
// table must name every Op) and fails this test until its method sends it.

const sent: string[] = [];
class Recording extends WebSocket {
  override send(data: string): void {
    sent.push((JSON.parse(data) as { op: string }).op);
    super.send(data);
  }
}

type Call = (c: WarblerClient, me: { id: number; name: string }) => Promise<unknown>;
const G = 'g:999999';
const D = 'd:1:2';
/** One call per op, the method an app uses; logout comes last (it ends the session). */
const CALLS = {
  hello: (c) => c.connect(),
  'auth.register': (c) => c.register(uniqueName(), 'password-123'),
  'auth.login': (c, me) => c.login(me.name, 'password-123'),
  'auth.resume': (c) => c.resume(),
  'auth.refresh': (c) => c.refresh(),
  'account.password': (c) => c.changePassword('wrong-password', 'password-456'),
  'device.list': (c) => c.devices.list(),
  'device.revoke': (c) => c.devices.revoke(999_999),
  'user.get': (c, me) => c.profile.get({ id: me.id }),
  'msg.send': (c) => c.send({ conv: G, text: 'x' }),
  sync: (c) => c.sync(),
  'msg.history': (c) => c.history(D),
  'conv.list': (c) => c.conversations(),
  'conv.read': (c) => c.markRead(D, 1),
  ping: (c) => c.ping(),
  'group.create': (c) => c.groups.create({ name: 'g', members: [] }),
  'group.get': (c) => c.groups.get(G),
  'group.members': (c) => c.groups.members({ conv: G }),
  'group.update': (c) => c.groups.update({ conv: G, name: 'h' }),
  'group.dissolve': (c) => c.groups.dissolve(G),
  'group.add': (c) => c.groups.add(G, [999_999]),
  'group.remove': (c) => c.groups.remove(G, [999_999]),
  'group.leave': (c) => c.groups.leave(G),
  'group.join': (c) => c.groups.join(G),
  'group.requests': (c) => c.groups.requests(G),
  'group.approve': (c) => c.groups.approve(G, 999_999),
  'group.role': (c) => c.groups.role(G, 999_999, 'admin'),
  'group.transfer': (c) => c.groups.transfer(G, 999_999),
  'group.mute': (c) => c.groups.mute(G, 999_999, 60),
  'msg.edit': (c) => c.edit(G, 1, 'y'),
  'msg.recall': (c) => c.recall(G, 1),
  'msg.react': (c) => c.react(G, 1, '👍'),
  'msg.delete': (c) => c.deleteForMe(G, [1]),
  'msg.forward': (c) => c.forward(G, 1, { toConv: G }),
  'msg.receipts': (c) => c.receipts(G, 1),
  'conv.delivered': (c) => c.markDelivered(D, 1),
  'conv.update': (c) => c.updateConversation(G, { pinned: true }),
  'profile.update': (c) => c.profile.update({ bio: 'hi' }),
  'privacy.update': (c) => c.profile.privacy({}),
  'user.search': (c) => c.profile.search('abc'),
  'friend.request': (c) => c.friends.request(999_999),
  'friend.accept': (c) => c.friends.accept(999_999),
  'friend.decline': (c) => c.friends.decline(999_999),
  'friend.remove': (c) => c.friends.remove(999_999),
  'friend.list': (c) => c.friends.list(),
  'friend.requests': (c) => c.friends.requests(),
  'block.add': (c) => c.blocks.add(999_999),
  'block.remove': (c) => c.blocks.remove(999_999),
  'block.list': (c) => c.blocks.list(),
  'presence.watch': (c) => c.presence.watch([999_999]),
  'presence.unwatch': (c) => c.presence.unwatch([999_999]),
  typing: (c) => c.typing(G),
  'msg.search': (c) => c.search({ q: 'abc' }),
  'auth.logout': (c) => c.logout(),
} satisfies Record<Op, Call>;

test('SDK: every op of the protocol has a method that sends it', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const c = new WarblerClient({ url: s.wsUrl, WebSocket: Recording as unknown as ClientOptions['WebSocket'], reconnect: false });
  t.after(() => c.close());
  const me = { id: 0, name: '' };
  const missing: string[] = [];
  for (const [op, call] of Object.entries(CALLS) as [Op, Call][]) {
    const before = sent.length;
    // Refusals are fine (most targets do not exist): what counts is the frame that went out.
    const r = await Promise.race([
      call(c, me).then(
        () => 'answered',
        (e: unknown) => (e instanceof Error ? e.message : 'refused'),
      ),
      new Promise((r) => setTimeout(() => r('no answer'), 2000)),
    ]);
    if (op === 'auth.register') Object.assign(me, { id: c.user!.id, name: c.user!.username });
    if (!sent.slice(before).includes(op)) missing.push(`${op} (${String(r)})`);
  }
  assert.deepEqual(missing, []);
  assert.deepEqual(Object.keys(CALLS).sort(), [...OP_NAMES].sort());
});
