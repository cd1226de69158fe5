#!/usr/bin/env node
// Fails when the source files of packages/*/src import each other in a circle (DESIGN.md: the layers
// point one way). Every relative import counts, `import type` and `export … from` too: a type-only
// circle is still two modules that cannot be understood apart. Run by `npm run lint`.
//
//   node scripts/check-cycles.mjs            checks packages/*/src
//   node scripts/check-cycles.mjs DIR…       checks these folders instead (the checker's own test)
//
// Exit code 0: no circle. 1: each circle found is listed as a path of files, first file repeated last.
//
// scripts/check-cycles.known lists circles that exist already in folders other work owns, one folder a
// line (`# why` comments): a circle whose files all lie in a listed folder is printed but tolerated. An
// entry that no longer matches a circle fails the check too, so the list only shrinks.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const SOURCE = /\.(m|c)?tsx?$/;

/** Every TypeScript source file under `dir` (declaration files left out). */
function sources(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'dist') out.push(...sources(p));
    } else if (SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The source file a relative specifier names (`./x.js` is `./x.ts`), or undefined (a package, or no such file). */
function resolveImport(from, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  const stem = base.replace(/\.(m|c)?jsx?$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, `${stem}.cts`, join(base, 'index.ts')];
  return candidates.find((c) => SOURCE.test(c) && existsSync(c) && statSync(c).isFile());
}

/** file → the files it imports (static, type-only, re-exports and dynamic imports alike). */
export function importGraph(dirs) {
  const graph = new Map();
  for (const dir of dirs) for (const f of sources(resolve(dir))) graph.set(f, []);
  for (const [file, deps] of graph) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      const target = resolveImport(file, fileName);
      if (target && graph.has(target) && !deps.includes(target)) deps.push(target);
    }
  }
  return graph;
}

/** The strongly connected components with a circle in them (Tarjan), each as one circular path. */
export function findCycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  // Iterative, so a deep import chain cannot overflow the call stack.
  for (const root of graph.keys()) {
    if (idx.has(root)) continue;
    const work = [[root, 0]];
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [v, i] = frame;
      if (i === 0) {
        idx.set(v, index);
        low.set(v, index++);
        stack.push(v);
        onStack.add(v);
      }
      const deps = graph.get(v);
      if (i < deps.length) {
        frame[1]++;
        const w = deps[i];
        if (!idx.has(w)) work.push([w, 0]);
        else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v) !== idx.get(v)) continue;
      const scc = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v).includes(v)) cycles.push({ files: scc, path: circleIn(graph, new Set(scc), v) });
    }
  }
  return cycles;
}

/** One shortest circle through `start` inside the component `members` (breadth-first), first file repeated last. */
function circleIn(graph, members, start) {
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of graph.get(v)) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== null && u !== start; u = prev.get(u)) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

function defaultDirs() {
  if (!existsSync('packages')) return [];
  return readdirSync('packages')
    .map((p) => join('packages', p, 'src'))
    .filter((d) => existsSync(d));
}

/** The folders of scripts/check-cycles.known (only when checking the default folders). */
function knownFolders() {
  const file = join(dirname(new URL(import.meta.url).pathname), 'check-cycles.known');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '');
}

const explicit = process.argv.length > 2;
const dirs = explicit ? process.argv.slice(2) : defaultDirs();
const known = explicit ? [] : knownFolders();
const rel = (f) => relative(process.cwd(), f);
const inFolder = (c, folder) => c.files.every((f) => rel(f).startsWith(folder));
const cycles = findCycles(importGraph(dirs));
const tolerated = cycles.filter((c) => known.some((k) => inFolder(c, k)));
const fresh = cycles.filter((c) => !tolerated.includes(c));
const stale = known.filter((k) => !cycles.some((c) => inFolder(c, k)));
const print = (c) => {
  console.error(`\n  ${c.files.length} files in one circle; for example:`);
  console.error(`    ${c.path.map(rel).join('\n    -> ')}`);
};
if (tolerated.length > 0) {
  console.error(`check-cycles: ${tolerated.length} known circle(s) in folders of scripts/check-cycles.known (to be broken):`);
  tolerated.forEach(print);
}
if (stale.length > 0) {
  console.error(`check-cycles: no circle left in ${stale.join(', ')}: remove it from scripts/check-cycles.known`);
  process.exitCode = 1;
}
if (fresh.length === 0) {
  console.log(`check-cycles: no new import circles in ${dirs.join(', ')}`);
} else {
  console.error(`check-cycles: ${fresh.length} import circle(s):`);
  fresh.forEach(print);
  process.exitCode = 1;
}
