// Two people register with an invite and one writes to the other, through the SDK: the chat round trip
// of deploy/test/arm64.sh.   node deploy/test/chat-once.mjs ws://127.0.0.1:PORT/ws INVITE_CODE
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { WarblerClient } from '../../packages/sdk/dist/src/index.js';

const [url, invite] = process.argv.slice(2);
const tag = randomBytes(3).toString('hex');
const alice = new WarblerClient({ url, WebSocket });
const bob = new WarblerClient({ url, WebSocket });
const timer = setTimeout(() => {
  process.stderr.write('chat-once: no round trip within 60 s\n');
  process.exit(1);
}, 60_000);
await alice.connect();
await bob.connect();
await alice.register(`alice${tag}`, 'a long password', { invite });
const { user } = await bob.register(`bob${tag}`, 'a long password', { invite });
const got = new Promise((resolve) => bob.on('message', resolve));
const ack = await alice.send({ to: user.id, text: 'hello, arm64' });
const m = await got;
clearTimeout(timer);
alice.close();
bob.close();
if (m.text !== 'hello, arm64' || m.seq !== ack.seq) {
  process.stderr.write(`chat-once: bob got ${JSON.stringify(m)} for ack ${JSON.stringify(ack)}\n`);
  process.exit(1);
}
process.stdout.write(`chat-once: bob got "${m.text}" (${m.conv} seq ${m.seq})\n`);
