import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { startTestServer } from './helpers.js';
import { bundle, CHROMIUM, CSP, launchChromium, pageOrigin } from './sdk-page.js';

// The SDK as a web app ships it: bundled and minified for browsers by esbuild, with @warbler/protocol.
const bundleSdk = () => bundle("export { WarblerClient } from '@warbler/sdk';");

// The page: two people register, one sends, the other receives; the outcome (and whether the page may
// evaluate code at all, which the policy must refuse) goes to the title.
const APP = `import { WarblerClient } from './sdk.js';
const report = (o) => (document.title = JSON.stringify(o));
let evalAllowed = true;
try { new Function('return 1')(); } catch { evalAllowed = false; }
try {
  const url = 'ws://' + location.host + '/ws';
  const tag = Math.random().toString(36).slice(2, 8);
  const alice = new WarblerClient({ url });
  const bob = new WarblerClient({ url });
  await alice.connect();
  await bob.connect();
  await alice.register('alice' + tag, 'a long password');
  const { user } = await bob.register('bob' + tag, 'a long password');
  const got = new Promise((resolve) => bob.on('message', (m) => resolve(m)));
  const ack = await alice.send({ to: user.id, text: 'hello from the browser' });
  const m = await got;
  report({ evalAllowed, text: m.text, from: m.from, alice: alice.user.id, seq: m.seq, ackSeq: ack.seq });
} catch (e) {
  report({ evalAllowed, error: String(e) });
}`;

// Budgets, gzip: the core (the client, with @warbler/protocol) and the IndexedDB storage, its own entry
// point (`@warbler/sdk/idb`) so apps that do not use it do not load it. The READMEs state the sizes.
const MAX_CORE_GZIP = 7 * 1024;
const MAX_IDB_GZIP = 1024;

test('the SDK bundled for a browser: the core at most 7 KB gzip, IndexedDB storage at most 1 KB more, no schema library', async (t) => {
  const core = await bundleSdk();
  const idb = await bundle("export { IdbStorage } from '@warbler/sdk/idb';");
  const [coreGz, idbGz] = [gzipSync(core).length, gzipSync(idb).length];
  t.diagnostic(
    `SDK core: ${core.length} bytes minified, ${coreGz} bytes gzip; @warbler/sdk/idb: ${idb.length} bytes minified, ${idbGz} bytes gzip`,
  );
  assert.ok(coreGz <= MAX_CORE_GZIP, `core ${coreGz} bytes gzip > ${MAX_CORE_GZIP}`);
  assert.ok(idbGz <= MAX_IDB_GZIP, `idb ${idbGz} bytes gzip > ${MAX_IDB_GZIP}`);
  assert.doesNotMatch(core, /TypeCompiler|sinclair/i);
  assert.doesNotMatch(core, /indexedDB/, 'the core leaves IndexedDB to its own entry point');
});

test(
  "the bundled SDK chats in Chromium under Content-Security-Policy: default-src 'self'",
  { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`, timeout: 60_000 },
  async (t) => {
    const s = await startTestServer();
    t.after(() => s.close());
    const files: Record<string, [string, string]> = {
      '/': ['text/html', '<!doctype html><title>loading</title><script type="module" src="/app.js"></script>'],
      '/app.js': ['text/javascript', APP],
      '/sdk.js': ['text/javascript', await bundleSdk()],
    };
    const { origin } = await pageOrigin(t, files, Number(new URL(s.wsUrl).port));
    const browser = await launchChromium(t);
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    const response = await page.goto(origin + '/');
    assert.equal(response?.headers()['content-security-policy'], CSP);
    let title = '';
    for (let i = 0; i < 200 && !title.startsWith('{'); i++) {
      title = await page.title();
      if (!title.startsWith('{')) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(title.startsWith('{'), `no outcome; title ${JSON.stringify(title)}; ${problems.join('; ')}`);
    const outcome = JSON.parse(title) as Record<string, unknown>;
    assert.equal(outcome.error, undefined, `${String(outcome.error)}; ${problems.join('; ')}`);
    assert.equal(outcome.evalAllowed, false, 'the policy is in force: the page itself may not evaluate code');
    assert.equal(outcome.text, 'hello from the browser');
    assert.equal(outcome.from, outcome.alice);
    assert.equal(outcome.seq, outcome.ackSeq);
  },
);
