import { createHash, randomBytes, randomFillSync } from 'node:crypto';

/**
 * The client side of the WebSocket wire (RFC 6455) as the bench's lean client (bench-client.ts) needs
 * it: the upgrade request and its accept check, masked client frames, opcodes and close codes. The
 * server's frames are parsed where they are read, in BenchClient (the hot path).
 */

/** RFC 6455's magic string of the upgrade's Sec-WebSocket-Accept. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Close code when the connection ended without a close frame (RFC 6455 "abnormal closure"). */
export const ABNORMAL = 1006;
/** An upgrade response longer than this (headers up to the blank line) is refused. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** Frame opcodes (RFC 6455 5.2). */
export const OP_CONT = 0x0;
export const OP_TEXT = 0x1;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

/** Where the clients of a URL connect to. */
export interface WsTarget {
  tls: boolean;
  host: string;
  port: number;
  path: string;
  hostHeader: string;
}
const targets = new Map<string, WsTarget>();
/** The target of a ws:// or wss:// URL, parsed once per URL. */
export function wsTarget(url: string): WsTarget {
  let t = targets.get(url);
  if (!t) {
    const u = new URL(url);
    const tls = u.protocol === 'wss:';
    const host = u.hostname.replace(/^\[|\]$/g, '');
    t = { tls, host, port: Number(u.port) || (tls ? 443 : 80), path: `${u.pathname}${u.search}` || '/', hostHeader: u.host };
    targets.set(url, t);
  }
  return t;
}

/** Masking keys for client frames, drawn from a random pool refilled when used up. */
const maskPool = Buffer.allocUnsafe(4096);
let maskAt = maskPool.length;
function nextMask(): number {
  if (maskAt + 4 > maskPool.length) {
    randomFillSync(maskPool);
    maskAt = 0;
  }
  const m = maskPool.readUInt32BE(maskAt);
  maskAt += 4;
  return m;
}

/** A masked client frame (RFC 6455 5.3) of `payload`, written in one buffer. */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const b = Buffer.allocUnsafe(head + 4 + len);
  b[0] = 0x80 | opcode;
  if (head === 2) b[1] = 0x80 | len;
  else if (head === 4) {
    b[1] = 0x80 | 126;
    b.writeUInt16BE(len, 2);
  } else {
    b[1] = 0x80 | 127;
    b.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    b.writeUInt32BE(len >>> 0, 6);
  }
  b.writeUInt32BE(nextMask(), head);
  const m0 = b[head]!;
  const m1 = b[head + 1]!;
  const m2 = b[head + 2]!;
  const m3 = b[head + 3]!;
  const o = head + 4;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    b[o + i] = payload[i]! ^ m0;
    b[o + i + 1] = payload[i + 1]! ^ m1;
    b[o + i + 2] = payload[i + 2]! ^ m2;
    b[o + i + 3] = payload[i + 3]! ^ m3;
  }
  for (; i < len; i++) b[o + i] = payload[i]! ^ b[head + (i & 3)]!;
  return b;
}

/** A fresh Sec-WebSocket-Key. */
export function upgradeKey(): string {
  return randomBytes(16).toString('base64');
}

/** The HTTP/1.1 upgrade request for `t` with `key`. */
export function upgradeRequest(t: WsTarget, key: string): string {
  return (
    `GET ${t.path} HTTP/1.1\r\nHost: ${t.hostHeader}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`
  );
}

/** The Sec-WebSocket-Accept a server must answer `key` with. */
export function upgradeAccept(key: string): string {
  return createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');
}
