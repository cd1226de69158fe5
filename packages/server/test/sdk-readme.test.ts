import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestServer } from './helpers.js';

// The SDK README's quick start is a program: it runs here as written, against a real server.

const here = dirname(fileURLToPath(import.meta.url));
const README = join(here, '..', '..', '..', 'sdk', 'README.md');

test('SDK README: the quick start runs as written and one message goes from alice to bob', async (t) => {
  const text = readFileSync(README, 'utf8');
  const m = /<!-- quick start:[^>]*-->\s*```js\n([\s\S]*?)```/.exec(text);
  assert.ok(m, 'the quick start block is marked in packages/sdk/README.md');
  const s = await startTestServer(); // registration open: no invite
  t.after(() => s.close());
  // Next to the compiled tests, so `ws` and `@warbler/sdk` resolve as they would next to node_modules.
  const file = join(here, `quick-start-${process.pid}.mjs`);
  writeFileSync(file, m[1]!);
  t.after(() => rmSync(file, { force: true }));
  const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, [file], { env: { ...process.env, WARBLER_URL: s.wsUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill(), 20_000);
    p.on('exit', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^stored as d:\d+:\d+#1; bob got: hello\n$/);
});
