import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { Message } from '@warbler/protocol';
import type { Page } from 'playwright-core';
import { eventually, newUser, startTestServer, uniqueName } from './helpers.js';
import { bundle, CHROMIUM, launchChromium, pageOrigin } from './sdk-page.js';

// The page's globals, as the test reads them (this file is compiled without the DOM library).
declare const window: {
  restored?: Restored;
  c: import('@warbler/sdk').WarblerClient;
  log: string[];
  IdbStorage: typeof import('@warbler/sdk/idb').IdbStorage;
};

// The SDK with IndexedDB storage in Chromium: what an app does on each page load (start from the saved
// state, then reconnect), a send written while the socket is down surviving a reload, and the browser's
// own offline / online events.

// On every load: start from storage (a saved session reconnects by itself) and keep a log of what the
// app would show. The test drives the rest through `window.c`.
const APP = `import { WarblerClient, IdbStorage } from './sdk.js';
const c = new WarblerClient({ url: 'ws://' + location.host + '/ws', storage: new IdbStorage('warbler-test'), backoffMs: [50, 300] });
const log = [];
c.on('state', (s) => log.push('state:' + s));
c.on('message', (m) => log.push('msg:' + (m.text ?? m.kind)));
c.on('sent', (e) => log.push('sent:' + e.ack.duplicate));
Object.assign(window, { c, log, IdbStorage });
const r = await c.start();
window.restored = {
  session: r.session ? r.session.user.id : null,
  conversations: r.conversations.map((x) => x.conv),
  cursors: r.cursors,
  outbox: r.outbox.map((o) => o.data.text),
  cached: Object.fromEntries(r.conversations.map((x) => [x.conv, c.cachedMessages(x.conv).map((m) => m.text)])),
};`;

type Restored = {
  session: number | null;
  conversations: string[];
  cursors: Record<string, number>;
  outbox: string[];
  cached: Record<string, string[]>;
};

async function loaded(page: Page): Promise<Restored> {
  await page.waitForFunction(() => window.restored !== undefined, undefined, { timeout: 30_000 });
  return page.evaluate(() => window.restored!);
}
const state = (page: Page) => page.evaluate(() => window.c.state);
const log = (page: Page) => page.evaluate(() => window.log);

test(
  'SDK in Chromium with IndexedDB: a send written while the socket is down survives a reload and is delivered once; cursors and conversations are restored',
  { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`, timeout: 180_000 },
  async (t) => {
    const s = await startTestServer();
    t.after(() => s.close());
    const bob = await newUser(s.wsUrl);
    t.after(() => bob.client.close());
    const atBob: Message[] = [];
    bob.client.on('message', (m) => atBob.push(m));
    const files: Record<string, [string, string]> = {
      '/': ['text/html', '<!doctype html><title>chat</title><script type="module" src="/app.js"></script>'],
      '/app.js': ['text/javascript', APP],
      '/sdk.js': [
        'text/javascript',
        await bundle("export { WarblerClient } from '@warbler/sdk'; export { IdbStorage } from '@warbler/sdk/idb';"),
      ],
    };
    const site = await pageOrigin(t, files, Number(new URL(s.wsUrl).port));
    const browser = await launchChromium(t);
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    t.after(() => assert.deepEqual(problems, []));

    // First visit: nothing saved. Alice registers, writes to Bob, and the app lists its conversations.
    await page.goto(site.origin + '/');
    assert.equal((await loaded(page)).session, null);
    const alice = uniqueName('alice');
    const { conv, aliceId } = await page.evaluate(
      async ([name, to]) => {
        const c = window.c;
        await c.connect();
        const r = await c.register(name, 'a long password');
        const ack = await c.send({ to, text: 'hello before' });
        await c.conversations();
        await c.flush();
        return { conv: ack.conv, aliceId: r.user.id };
      },
      [alice, bob.id] as const,
    );
    await eventually(() => assert.ok(atBob.some((m) => m.text === 'hello before')), 20_000);

    // The browser loses the network: the app shows offline at once, and online when it returns.
    await context.setOffline(true);
    await eventually(async () => assert.equal(await state(page), 'offline'), 20_000);
    await context.setOffline(false);
    await eventually(async () => assert.equal(await state(page), 'online'), 20_000);

    // The socket goes down (the server is unreachable); Alice writes meanwhile, and Bob too.
    site.socketDown(true);
    await eventually(async () => assert.equal(await state(page), 'offline'), 20_000);
    await page.evaluate((to) => void window.c.send({ to, text: 'written while down' }).catch(() => undefined), bob.id);
    await eventually(
      async () =>
        assert.equal(
          await page.evaluate(async () => {
            return (await new window.IdbStorage('warbler-test').entries('o:')).length;
          }),
          1,
        ),
      20_000,
    );
    await bob.client.send({ to: aliceId, text: 'while you were away' });

    // Reload while the socket is still down: the app opens from IndexedDB before any network.
    await page.reload();
    const restored = await loaded(page);
    assert.equal(restored.session, aliceId);
    assert.deepEqual(restored.outbox, ['written while down']);
    assert.deepEqual(restored.conversations, [conv]);
    assert.equal(restored.cursors[conv], 1);
    assert.deepEqual(restored.cached[conv], ['hello before']);
    // Its first connection attempt, made in the background, fails: offline (it may still be trying at load).
    await eventually(async () => assert.equal(await state(page), 'offline'), 20_000);

    // The socket returns: the app reconnects by itself, sends the outbox, and syncs from its cursor.
    site.socketDown(false);
    await eventually(async () => assert.equal(await state(page), 'online'), 20_000);
    await eventually(async () => assert.ok((await log(page)).includes('sent:false')), 20_000);
    const marker = `marker ${uniqueName()}`;
    await page.evaluate(async ([to, text]) => void (await window.c.send({ to, text })), [bob.id, marker] as const);
    await eventually(() => assert.ok(atBob.some((m) => m.text === marker)), 20_000);
    assert.equal(atBob.filter((m) => m.text === 'written while down').length, 1, 'Bob got it exactly once');
    const shown = (await log(page)).filter((l) => l.startsWith('msg:'));
    assert.deepEqual(shown, ['msg:while you were away', 'msg:written while down', `msg:${marker}`]);
  },
);
