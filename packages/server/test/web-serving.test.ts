import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { startTestServer } from './helpers.js';

// The web app as the server serves it (packages/web, built by `npm run build`): headers, caching,
// the paths it answers, and the size of what a first visit downloads.
const MAX_INITIAL_JS_GZIP = 80 * 1024;

test('the server serves the web app at / with a strict CSP, no-cache HTML and year-long hashed assets', async (t) => {
  const s = await startTestServer({ auth: { registration: 'closed' } });
  t.after(() => s.close());
  const home = await fetch(`${s.url}/`);
  assert.equal(home.status, 200);
  assert.match(home.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal(home.headers.get('cache-control'), 'no-cache');
  const csp = home.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self';/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe/);
  assert.equal(home.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(home.headers.get('referrer-policy'), 'no-referrer');
  const html = await home.text();
  assert.match(html, /<div id="app">/);
  // The sign-up form knows the policy before anyone tries.
  assert.match(html, /<meta name="warbler-registration" content="closed"/);
  assert.doesNotMatch(html, /<script>|<script type="module">|style=/, 'nothing inline: the CSP forbids it');

  const again = await fetch(`${s.url}/`, { headers: { 'if-none-match': home.headers.get('etag')! } });
  assert.equal(again.status, 304);

  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), assets.join(' '));
  let jsGzip = 0;
  for (const a of assets) {
    const r = await fetch(`${s.url}${a}`);
    assert.equal(r.status, 200, a);
    assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.ok(r.headers.get('content-security-policy'));
    const body = Buffer.from(await r.arrayBuffer());
    if (a.endsWith('.js')) jsGzip += gzipSync(body).length;
  }
  t.diagnostic(`web app initial JS: ${jsGzip} bytes gzip`);
  assert.ok(jsGzip < MAX_INITIAL_JS_GZIP, `${jsGzip} bytes gzip >= ${MAX_INITIAL_JS_GZIP}`);

  // Served compressed to a client that takes gzip (fetch does), with the same bytes.
  const raw = await fetch(`${s.url}${assets.find((a) => a.endsWith('.js'))}`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(raw.headers.get('content-encoding'), 'gzip');
  assert.match(await raw.text(), /\S/);
});

test("the app's own paths open the app; other paths, /admin and unknown assets are 404 with the error body", async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  for (const path of ['/chat/d:1:2', '/contacts', '/search', '/settings', '/groups/new']) {
    const r = await fetch(`${s.url}${path}`);
    assert.equal(r.status, 200, path);
    assert.match(await r.text(), /<div id="app">/, path);
  }
  for (const path of ['/admin', '/admin/users', '/nope', '/assets/missing.js', '/chats/x', '/index.html']) {
    const r = await fetch(`${s.url}${path}`);
    assert.equal(r.status, 404, path);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'not_found', path);
  }
  const post = await fetch(`${s.url}/`, { method: 'POST' });
  assert.equal(post.status, 405);
  // The health probes and the WebSocket are where they were.
  assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
});
