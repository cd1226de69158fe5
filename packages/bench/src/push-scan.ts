/**
 * The receive fast path: reads a bench message's `msg` push straight from the frame's bytes, without
 * decoding the frame to a string or parsing its JSON, and without allocating. A worker receives up to
 * hundreds of thousands of pushes a second in the group scenario, on one core.
 *
 * It accepts exactly the layout the server writes (`messageFrame` in the server's messaging service):
 *
 *   {"ev":"msg","data":{"id":7,"conv":"g:3","seq":12,"from":42,"clientId":"b0.5","ts":1764000000000,
 *    "kind":"text","text":"b:0:5:123456789"}}
 *
 * and the bench's own texts (`b:<worker>:<n>:<send time ns>`, see message-text.ts). Anything else
 * (another layout, another kind, a foreign text, an answer) returns false and takes the JSON path, so
 * a change of layout makes the bench slower, never wrong.
 */

/** What the scan reads from a bench message's push. Reused: one instance per worker. */
export interface ScannedPush {
  /** The group id of a group conversation `g:<id>`; 0 for any other conversation. */
  group: number;
  seq: number;
  from: number;
  worker: number;
  n: number;
  sentNs: number;
}

export const newScannedPush = (): ScannedPush => ({ group: 0, seq: 0, from: 0, worker: 0, n: 0, sentNs: 0 });

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const PREFIX = bytes('{"ev":"msg","data":{"id":');
const CONV = bytes(',"conv":"');
const SEQ = bytes(',"seq":');
const FROM = bytes(',"from":');
const CLIENT_ID = bytes(',"clientId":"');
const TS = bytes(',"ts":');
const TEXT = bytes(',"kind":"text","text":"b:');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const TILDE = 0x7e;
const LETTER_G = 0x67;

/** Where the last successful `lit` or `num` ended. Module state: the scan is synchronous. */
let pos = 0;

/** Where the frame being scanned ends in its buffer. Module state too. */
let end = 0;

/** True when `s` is at `p` in `b`; then `pos` is just after it. */
function lit(b: Uint8Array, p: number, s: Uint8Array): boolean {
  const n = s.length;
  if (p + n > end) return false;
  for (let i = 0; i < n; i++) if (b[p + i] !== s[i]) return false;
  pos = p + n;
  return true;
}

/** The decimal number at `p` (1 to 19 digits), or -1; then `pos` is just after it. */
function num(b: Uint8Array, p: number): number {
  let v = 0;
  let i = p;
  const stop = Math.min(end, p + 19);
  for (; i < stop; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
  }
  if (i === p) return -1;
  pos = i;
  return v;
}

/**
 * Reads a bench message's push, the frame payload `b[start, stop)`, into `out`; false when it is
 * anything else (then parse it as JSON).
 */
export function scanPush(b: Uint8Array, out: ScannedPush, start = 0, stop = b.length): boolean {
  end = stop;
  if (!lit(b, start, PREFIX) || num(b, pos) < 0 || !lit(b, pos, CONV)) return false;
  let p = pos;
  out.group = 0;
  if (b[p] === LETTER_G && b[p + 1] === COLON) {
    const g = num(b, p + 2);
    if (g < 0) return false;
    out.group = g;
    p = pos;
  }
  // The rest of the conversation id (a direct one: d:1:2) up to its closing quote; ids have no escapes.
  while (p < end && b[p] !== QUOTE) p++;
  if (!lit(b, p + 1, SEQ) || (out.seq = num(b, pos)) < 0) return false;
  if (!lit(b, pos, FROM) || (out.from = num(b, pos)) < 0) return false;
  if (!lit(b, pos, CLIENT_ID)) return false;
  p = pos;
  while (p < end && b[p] !== QUOTE) p += b[p] === BACKSLASH ? 2 : 1;
  if (!lit(b, p + 1, TS) || num(b, pos) < 0) return false;
  if (!lit(b, pos, TEXT) || (out.worker = num(b, pos)) < 0 || b[pos] !== COLON) return false;
  if ((out.n = num(b, pos + 1)) < 0 || b[pos] !== COLON) return false;
  if ((out.sentNs = num(b, pos + 1)) < 0) return false;
  const after = pos < end ? b[pos] : -1;
  return after === QUOTE || after === TILDE;
}
