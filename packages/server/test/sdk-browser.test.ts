import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { startTestServer } from './helpers.js';

// The SDK as a web app ships it: bundled and minified for browsers by esbuild, with @warbler/protocol.
const CHROMIUM = '/usr/bin/chromium';
const MAX_GZIP_BYTES = 15 * 1024;
const CSP = "default-src 'self'";

async function bundleSdk(): Promise<string> {
  const out = await build({
    stdin: { contents: "export { WarblerClient } from '@warbler/sdk';", resolveDir: dirname(fileURLToPath(import.meta.url)), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

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

/**
 * One origin for the page and the WebSocket, as behind a reverse proxy: the page, its scripts and the
 * CSP header from here; `/ws` upgrades piped to the Warbler server. So `default-src 'self'` covers both.
 */
async function pageOrigin(t: TestContext, sdk: string, wsPort: number): Promise<string> {
  const files: Record<string, [string, string]> = {
    '/': ['text/html', '<!doctype html><title>loading</title><script type="module" src="/app.js"></script>'],
    '/app.js': ['text/javascript', APP],
    '/sdk.js': ['text/javascript', sdk],
  };
  const http: Server = createServer((req, res) => {
    const f = files[req.url ?? ''];
    if (!f) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': f[0], 'content-security-policy': CSP }).end(f[1]);
  });
  http.on('upgrade', (req, socket, head) => {
    const upstream = connect(wsPort, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(lines.join('\r\n') + '\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => (http.closeAllConnections(), http.close(() => resolve()))));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

test('the SDK bundled for a browser is at most 15 KB gzip and holds no schema library', async (t) => {
  const sdk = await bundleSdk();
  const gz = gzipSync(sdk).length;
  t.diagnostic(`SDK browser bundle: ${sdk.length} bytes minified, ${gz} bytes gzip`);
  assert.ok(gz <= MAX_GZIP_BYTES, `${gz} bytes gzip > ${MAX_GZIP_BYTES}`);
  assert.doesNotMatch(sdk, /TypeCompiler|sinclair/i);
});

test(
  "the bundled SDK chats in Chromium under Content-Security-Policy: default-src 'self'",
  { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`, timeout: 60_000 },
  async (t) => {
    const s = await startTestServer();
    t.after(() => s.close());
    const origin = await pageOrigin(t, await bundleSdk(), Number(new URL(s.wsUrl).port));
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    t.after(() => browser.close());
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
