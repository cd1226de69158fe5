import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Compiled to packages/server/dist/test/, four levels below the repository root.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const PAGES = ['README.md', 'packages/sdk/README.md', ...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`)];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
const slug = (h: string): string =>
  h
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#+\s+(.*)$/gm)].map((m) => slug(m[1]!.trim())));
}

/** Every relative link of a page that names no file in the repository, or no heading in it. */
function brokenLinks(file: string, markdown = readFileSync(file, 'utf8')): string[] {
  const text = markdown.replace(/```[\s\S]*?```/g, '');
  const broken: string[] = [];
  for (const [, href] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(href!)) continue;
    const [path, anchor] = href!.split('#') as [string, string | undefined];
    const target = path === '' ? file : resolve(dirname(file), path);
    if (relative(ROOT, target).startsWith('..') || !existsSync(target)) broken.push(`${href}: no such file in the repository`);
    else if (anchor && target.endsWith('.md') && !anchors(target).has(anchor)) broken.push(`${href}: no such heading`);
  }
  return broken;
}

test('the README, the SDK README and docs/ link only to files and headings inside the repository', () => {
  for (const page of PAGES) assert.deepEqual(brokenLinks(join(ROOT, page)), [], page);
  assert.ok(existsSync(join(ROOT, 'LICENSE')), 'LICENSE');
});

test('the link check finds a missing file, a link out of the repository and a missing heading', () => {
  const readme = join(ROOT, 'README.md');
  const page =
    '[a](docs/nope.md) [b](../shared/DESIGN.md) [c](docs/deploy.md#no-such-part) [d](docs/deploy.md#one-process-the-raspberry-pi-deployment) [e](https://example.com/x)';
  assert.deepEqual(brokenLinks(readme, page), [
    'docs/nope.md: no such file in the repository',
    '../shared/DESIGN.md: no such file in the repository',
    'docs/deploy.md#no-such-part: no such heading',
  ]);
  assert.equal(slug('`warbler user …` and `/api`'), 'warbler-user--and-api');
});
