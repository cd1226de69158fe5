#!/usr/bin/env node
// A longer fuzz run than the bounded one in `npm test` (packages/server/test/fuzz.test.ts): new random
// command sequences against fresh servers until the time budget is spent. Run after a build:
//   npm run fuzz -- --seconds 300              (a random seed, printed first)
//   npm run fuzz -- --seed 42 --seconds 60     (the same runs as an earlier --seed 42)
//   npm run fuzz -- --seed 42 --path 17 --shrink   (replay a failure's run and shrink it)
import { parseArgs } from 'node:util';

const USAGE = 'usage: node scripts/fuzz.mjs [--seconds N] [--seed N] [--path P] [--shrink] [--max-commands N]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '60' },
      seed: { type: 'string' },
      path: { type: 'string' },
      shrink: { type: 'boolean', default: false },
      'max-commands': { type: 'string', default: '60' },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (e) {
  console.error(`${e.message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const seconds = Number(values.seconds);
const maxCommands = Number(values['max-commands']);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (![seconds, maxCommands, seed].every((n) => Number.isInteger(n) && n >= 0)) {
  console.error(`--seconds, --seed and --max-commands take whole numbers\n${USAGE}`);
  process.exit(2);
}

const { fuzz } = await import('../packages/server/dist/test/fuzz/property.js');
// The server runs in this process: anything it throws outside a request ends the run as a failure.
process.on('uncaughtException', (e) => {
  console.error(`FAILED (seed ${seed}): the server threw outside a request:\n${e.stack ?? e}`);
  process.exit(1);
});

const stats = new Map();
const printStats = () => {
  console.log('answers per op (ok or error code):');
  for (const [op, byCode] of [...stats].sort(([a], [b]) => a.localeCompare(b)))
    console.log(`  ${op.padEnd(18)} ${[...byCode].map(([k, n]) => `${k} ${n}`).join(', ')}`);
};
console.log(`fuzzing for ${seconds} s, seed ${seed}${values.path ? `, path ${values.path}` : ''}`);
const started = Date.now();
try {
  const runs = await fuzz({
    seed,
    runs: values.path ? 1 : 1_000_000_000,
    seconds,
    maxCommands,
    shrink: values.shrink,
    stats,
    ...(values.path ? { path: values.path } : {}),
  });
  printStats();
  console.log(`passed: ${runs} runs in ${Math.round((Date.now() - started) / 1000)} s, seed ${seed}`);
  process.exit(0);
} catch (e) {
  printStats();
  console.error(`FAILED: ${e.message}`);
  process.exit(1);
}
