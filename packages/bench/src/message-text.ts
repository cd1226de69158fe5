/**
 * The text of every bench message: `b:<worker>:<n>:<sendTimeNs>` with optional `~` padding, so the
 * receiver learns, without JSON, which message it is (worker and that worker's message number) and
 * when it was sent (process.hrtime, CLOCK_MONOTONIC: one clock for every process on the machine).
 * @example encodeText(1, 42, 5_000_000_000) === 'b:1:42:5000000000'
 */
export function encodeText(worker: number, n: number, sentNs: number, padTo = 0): string {
  const s = `b:${worker}:${n}:${sentNs}`;
  return s.length >= padTo ? s : s + '~'.repeat(padTo - s.length);
}

export interface DecodedText {
  worker: number;
  n: number;
  sentNs: number;
}

/** Reads a bench text; undefined when the text is not one (a message from someone else). */
export function decodeText(text: string): DecodedText | undefined {
  if (text.charCodeAt(0) !== 98 /* b */ || text.charCodeAt(1) !== 58 /* : */) return undefined;
  const a = text.indexOf(':', 2);
  const b = a < 0 ? -1 : text.indexOf(':', a + 1);
  if (b < 0) return undefined;
  let end = text.indexOf('~', b + 1);
  if (end < 0) end = text.length;
  const worker = Number(text.slice(2, a));
  const n = Number(text.slice(a + 1, b));
  const sentNs = Number(text.slice(b + 1, end));
  if (!Number.isInteger(worker) || !Number.isInteger(n) || !Number.isFinite(sentNs) || worker < 0 || n < 0) return undefined;
  return { worker, n, sentNs };
}

/**
 * `process.hrtime.bigint()` at `performance.now()` = 0: both read the same monotonic clock (libuv's
 * hrtime), performance.now() from this process's start, and without allocating a BigInt. Taken from
 * the closest of a few paired readings (the first readings of a process are slow).
 */
const ORIGIN_NS = (() => {
  let best = Infinity;
  let origin = 0;
  for (let i = 0; i < 20; i++) {
    const a = performance.now();
    const h = Number(process.hrtime.bigint());
    const b = performance.now();
    if (b - a < best) {
      best = b - a;
      origin = h - ((a + b) / 2) * 1e6;
    }
  }
  return origin;
})();

/** Nanoseconds on the monotonic clock shared by the processes of this machine (CLOCK_MONOTONIC). */
export function nowNs(): number {
  // An integer: it goes into message texts, which the receivers' scan reads as digits.
  return Math.round(ORIGIN_NS + performance.now() * 1e6);
}
