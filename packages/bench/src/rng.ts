/**
 * A small seeded random number generator (mulberry32): the social plan must come out the same for
 * the same seed in every process and every run, so that a cached pre-filled store and the traffic of
 * a later run describe the same people.
 * @example const r = seededRandom(1); r(); // 0.6270739405881613, always
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A rank 0 … n-1 drawn from a Zipf-like law of exponent 1 (rank k has weight about 1/(k+1)): the
 * continuous log-uniform approximation, O(1) per draw. `u` is uniform in [0, 1).
 */
export function zipfRank(n: number, u: number): number {
  if (n <= 1) return 0;
  const k = Math.floor(Math.exp(u * Math.log(n + 1))) - 1;
  return k < 0 ? 0 : k >= n ? n - 1 : k;
}

/** The probability `zipfRank(n, ·)` gives rank `k`. */
export function zipfShare(n: number, k: number): number {
  if (n <= 1) return 1;
  return (Math.log(k + 2) - Math.log(k + 1)) / Math.log(n + 1);
}

/** A Pareto draw of tail exponent `alpha` (> 1) from `min` up, capped at `max`; `u` uniform in [0, 1). */
export function paretoDraw(min: number, max: number, alpha: number, u: number): number {
  const x = min * Math.pow(1 - u, -1 / (alpha - 1));
  return Math.min(max, Math.max(min, Math.floor(x)));
}

/** A log-normal draw with the given median and shape `sigma`; `u1`, `u2` uniform in [0, 1). */
export function logNormalDraw(median: number, sigma: number, u1: number, u2: number): number {
  const z = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  return median * Math.exp(sigma * z);
}

/** Index of the first entry of the ascending `cumulative` that is greater than `x` (a weighted draw). */
export function pickCumulative(cumulative: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
