import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers.js';

/** scripts/check-cycles.mjs, from packages/server/dist/test. */
const CHECKER = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'scripts', 'check-cycles.mjs');

function check(dir: string): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [CHECKER, dir], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

function plant(files: Record<string, string>): string {
  const dir = tempDir('warbler-cycles-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

test('the import-circle check fails on a planted circle and names its files', () => {
  const dir = plant({
    'a.ts': "import { b } from './sub/b.js';\nexport const a = () => b;\n",
    // A type-only import closes the circle too.
    'sub/b.ts': "import type { C } from '../c.js';\nexport const b = 1 as unknown as C;\n",
    'c.ts': "export type { a } from './a.js';\nexport type C = number;\n",
    'free.ts': "import { a } from './a.js';\nexport const f = a;\n",
  });
  try {
    const r = check(dir);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /1 import circle/);
    assert.match(r.out, /3 files in one circle/);
    for (const f of ['a.ts', join('sub', 'b.ts'), 'c.ts']) assert.ok(r.out.includes(f), `${f} listed: ${r.out}`);
    assert.ok(!r.out.includes('free.ts'), 'a file that only imports into the circle is not part of it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the import-circle check passes a graph without circles, and finds a file importing itself', () => {
  const dir = plant({
    'a.ts': "import { b } from './b.js';\nimport { c } from './c.js';\nexport const a = b + c;\n",
    'b.ts': "import { c } from './c.js';\nexport const b = c;\n",
    'c.ts': "import { readFileSync } from 'node:fs';\nexport const c = readFileSync.length;\n",
  });
  try {
    assert.equal(check(dir).code, 0);
    writeFileSync(join(dir, 'c.ts'), "import * as self from './c.js';\nexport const c = Object.keys(self).length;\n");
    const r = check(dir);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /c\.ts/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
