/**
 * A growable set of small non-negative integers, one bit each: which of a worker's messages were
 * acknowledged, or received. Bitmaps from different workers combine with `or` and `andNotCount`.
 */
export class Bitmap {
  bytes: Uint8Array;

  constructor(bytes: Uint8Array = new Uint8Array(1024)) {
    this.bytes = bytes;
  }

  /** Sets bit `n`; returns false when it was already set. */
  add(n: number): boolean {
    const i = n >>> 3;
    if (i >= this.bytes.length) this.grow(i + 1);
    const mask = 1 << (n & 7);
    if (this.bytes[i]! & mask) return false;
    this.bytes[i]! |= mask;
    return true;
  }

  has(n: number): boolean {
    const i = n >>> 3;
    return i < this.bytes.length && (this.bytes[i]! & (1 << (n & 7))) !== 0;
  }

  /** Adds every bit of `other`; returns how many of them were set here already (overlap). */
  or(other: Bitmap): number {
    if (other.bytes.length > this.bytes.length) this.grow(other.bytes.length);
    let overlap = 0;
    for (let i = 0; i < other.bytes.length; i++) {
      const o = other.bytes[i]!;
      if (o === 0) continue;
      overlap += popcount8(this.bytes[i]! & o);
      this.bytes[i]! |= o;
    }
    return overlap;
  }

  /** How many bits are set here and not in `other`. */
  andNotCount(other: Bitmap): number {
    let n = 0;
    for (let i = 0; i < this.bytes.length; i++) {
      const b = this.bytes[i]!;
      if (b !== 0) n += popcount8(b & ~(i < other.bytes.length ? other.bytes[i]! : 0));
    }
    return n;
  }

  get size(): number {
    let n = 0;
    for (let i = 0; i < this.bytes.length; i++) n += popcount8(this.bytes[i]!);
    return n;
  }

  private grow(minBytes: number): void {
    const next = new Uint8Array(Math.max(minBytes, this.bytes.length * 2));
    next.set(this.bytes);
    this.bytes = next;
  }
}

function popcount8(b: number): number {
  b = b - ((b >> 1) & 0x55);
  b = (b & 0x33) + ((b >> 2) & 0x33);
  return (b + (b >> 4)) & 0x0f;
}
