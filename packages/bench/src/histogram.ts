/**
 * A log-linear histogram of non-negative integer values (the bench records microseconds), in the
 * spirit of HdrHistogram: values below 256 have their own bucket; above, each power of two is split
 * into 128 buckets, so a bucket is at most 1/128 of its lower bound wide and a quantile read at the
 * bucket's middle is within 0.4% of the true value. Mergeable by adding bucket counts, so each worker
 * keeps its own and the coordinator adds them up.
 * @example const h = new Histogram(); h.record(1234); h.quantile(0.99);
 */
export class Histogram {
  /** 256 exact buckets, then 128 per power of two from 2^8 to 2^31. */
  static readonly BUCKETS = 256 + 24 * 128;
  /** Largest value kept as is; larger ones count as this (about 71 minutes in microseconds). */
  static readonly MAX_VALUE = 2 ** 32 - 1;

  readonly counts = new Float64Array(Histogram.BUCKETS);
  count = 0;
  sum = 0;
  min = Infinity;
  max = 0;

  /** Adds one value (rounded to an integer, clamped to 0 … MAX_VALUE). */
  record(value: number): void {
    const v = value <= 0 ? 0 : value >= Histogram.MAX_VALUE ? Histogram.MAX_VALUE : Math.round(value);
    this.counts[bucketOf(v)]! += 1;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** Adds every value of `other` to this one. */
  merge(other: Histogram): this {
    if (other.count === 0) return this;
    for (let i = 0; i < Histogram.BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    return this;
  }

  /** The value at quantile `q` (0–1): the middle of its bucket, kept within [min, max]; 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    if (q >= 1) return this.max;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < Histogram.BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        const [lo, width] = bucketRange(i);
        return Math.min(this.max, Math.max(this.min, lo + (width - 1) / 2));
      }
    }
    return this.max;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** A compact copy for IPC and JSON: only the non-empty buckets, as flat [index, count, …] pairs. */
  toSparse(): SparseHistogram {
    const b: number[] = [];
    if (this.count > 0) for (let i = 0; i < Histogram.BUCKETS; i++) if (this.counts[i]! > 0) b.push(i, this.counts[i]!);
    return { n: this.count, sum: this.sum, min: this.count ? this.min : 0, max: this.max, b };
  }

  static fromSparse(s: SparseHistogram): Histogram {
    const h = new Histogram();
    for (let i = 0; i + 1 < s.b.length; i += 2) h.counts[s.b[i]!] = s.b[i + 1]!;
    h.count = s.n;
    h.sum = s.sum;
    h.min = s.n ? s.min : Infinity;
    h.max = s.max;
    return h;
  }
}

/** A histogram as sent between processes and written to the JSON report. */
export interface SparseHistogram {
  n: number;
  sum: number;
  min: number;
  max: number;
  /** Non-empty buckets: index, count, index, count, … */
  b: number[];
}

/** The bucket holding integer `v` (0 ≤ v < 2^32). */
export function bucketOf(v: number): number {
  if (v < 256) return v;
  const e = 31 - Math.clz32(v); // 8 … 31
  return 256 + (e - 8) * 128 + ((v >>> (e - 7)) - 128);
}

/** The lowest value of bucket `i` and how many integers it holds. */
export function bucketRange(i: number): [number, number] {
  if (i < 256) return [i, 1];
  const e = 8 + Math.floor((i - 256) / 128);
  const m = 128 + ((i - 256) % 128);
  const width = 2 ** (e - 7);
  return [m * width, width];
}
