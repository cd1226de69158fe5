import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzz } from './fuzz/property.js';

/** Fixed, so every `npm test` runs the same sequences; `npm run fuzz` tries new ones (README, Development). */
const SEED = 20261129;

test(
  'fuzz: random, mutated and well-formed frames of every op from several users keep the documented promises',
  { timeout: 180_000 },
  async () => {
    const runs = await fuzz({ seed: SEED, runs: 40, maxCommands: 40 });
    assert.equal(runs, 40);
  },
);
