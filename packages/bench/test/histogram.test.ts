import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram, bucketOf, bucketRange } from '../src/histogram.js';

/** A deterministic pseudo-random sequence (tests must not flake). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

test('values below 256 are exact', () => {
  const h = new Histogram();
  for (let v = 0; v < 256; v++) h.record(v);
  assert.equal(h.quantile(0.5), 127);
  assert.equal(h.quantile(1), 255);
  assert.equal(h.min, 0);
  assert.equal(h.count, 256);
});

test('every value falls inside its bucket, and buckets are at most 1/128 of their value wide', () => {
  const r = rng(1);
  for (let i = 0; i < 20000; i++) {
    const v = Math.floor(2 ** (r() * 32));
    if (v >= Histogram.MAX_VALUE) continue;
    const b = bucketOf(v);
    assert.ok(b >= 0 && b < Histogram.BUCKETS, `bucket of ${v}`);
    const [lo, width] = bucketRange(b);
    assert.ok(lo <= v && v < lo + width, `${v} in [${lo}, ${lo + width})`);
    if (v >= 256) assert.ok(width / lo <= 1 / 128);
  }
});

test('quantiles are within 1% of the exact ones over six orders of magnitude', () => {
  const r = rng(42);
  const h = new Histogram();
  const values: number[] = [];
  for (let i = 0; i < 50000; i++) {
    const v = Math.round(10 ** (1 + r() * 6));
    values.push(v);
    h.record(v);
  }
  values.sort((a, b) => a - b);
  for (const q of [0.5, 0.9, 0.99, 0.999]) {
    const exact = exactQuantile(values, q);
    const got = h.quantile(q);
    assert.ok(Math.abs(got - exact) / exact <= 0.01, `q${q}: ${got} vs ${exact}`);
  }
  assert.equal(h.quantile(1), values.at(-1));
  assert.equal(h.max, values.at(-1));
});

test('merging equals recording everything in one histogram; sparse form round-trips', () => {
  const r = rng(7);
  const all = new Histogram();
  const parts = [new Histogram(), new Histogram(), new Histogram()];
  for (let i = 0; i < 3000; i++) {
    const v = Math.floor(r() * 1e6);
    all.record(v);
    parts[i % 3]!.record(v);
  }
  const merged = new Histogram();
  for (const p of parts) merged.merge(Histogram.fromSparse(JSON.parse(JSON.stringify(p.toSparse()))));
  assert.deepEqual([...merged.counts], [...all.counts]);
  assert.equal(merged.count, all.count);
  assert.equal(merged.min, all.min);
  assert.equal(merged.max, all.max);
  assert.equal(merged.quantile(0.99), all.quantile(0.99));
});

test('an empty histogram reads 0 and merges as nothing; out-of-range values are clamped', () => {
  const h = new Histogram();
  assert.equal(h.quantile(0.99), 0);
  assert.equal(h.mean, 0);
  assert.deepEqual(h.toSparse(), { n: 0, sum: 0, min: 0, max: 0, b: [] });
  h.merge(new Histogram());
  assert.equal(h.count, 0);
  h.record(-5);
  h.record(1e12);
  assert.equal(h.min, 0);
  assert.equal(h.max, Histogram.MAX_VALUE);
});
