#!/usr/bin/env node
// The README's "Using it" example, run against a server started by the quick start: two people register
// with the invite code the first start logged, and one message goes from one to the other.
// Usage: node scripts/readme-chat.mjs WS_URL INVITE_CODE
import WebSocket from 'ws';
import { WarblerClient } from '@warbler/sdk';

const [url, invite] = process.argv.slice(2);
if (!url || !invite) {
  console.error('usage: node scripts/readme-chat.mjs WS_URL INVITE_CODE');
  process.exit(2);
}
const tag = Date.now().toString(36);
const alice = new WarblerClient({ url, WebSocket });
const bob = new WarblerClient({ url, WebSocket });
const timer = setTimeout(() => {
  console.error('readme-chat: no message within 10 s');
  process.exit(1);
}, 10_000);
try {
  await alice.connect();
  await bob.connect();
  await alice.register(`alice${tag}`, 'a long password', { invite });
  const b = await bob.register(`bob${tag}`, 'a long password', { invite });
  const got = new Promise((resolve) => bob.on('message', (m) => resolve(m)));
  await alice.send({ to: b.user.id, text: 'hello' });
  const m = await got;
  if (m.text !== 'hello') throw new Error(`bob got ${JSON.stringify(m)}`);
  console.log(`readme-chat: alice${tag} → bob${tag}: ${m.text}`);
} catch (e) {
  console.error(`readme-chat: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
  alice.close();
  bob.close();
}
