import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { PROTOCOL_VERSION } from '@warbler/protocol';
import type { ConnectLabel } from './ipc.js';
import { decodeText, nowNs } from './message-text.js';
import { newScannedPush, scanPush, type ScannedPush } from './push-scan.js';
import {
  ABNORMAL,
  MAX_HEADER_BYTES,
  OP_CLOSE,
  OP_CONT,
  OP_PING,
  OP_PONG,
  OP_TEXT,
  clientFrame,
  upgradeAccept,
  upgradeKey,
  upgradeRequest,
  wsTarget,
} from './ws-wire.js';

/** A parsed server frame, as far as the bench reads it. */
export interface Frame {
  id?: number | string | null;
  ok?: boolean;
  ev?: string;
  data?: Record<string, unknown>;
  error?: { code: string };
}

/** What a client reports to its worker. */
export interface ClientOwner {
  /** The attempt ended: authenticated (code undefined) or failed with an error code. */
  settled(c: BenchClient, code: string | undefined, connectNs: number, loginNs: number): void;
  /** An authenticated connection closed without the bench asking. */
  lost(c: BenchClient, closeCode: number): void;
  /** A response to a request of the worker's (sends, reads). */
  response(c: BenchClient, f: Frame): void;
  /** A push of a bench message (`p` is reused for the next one: read it now); `slow`: not by the scan. */
  benchPush(c: BenchClient, p: ScannedPush, slow?: boolean): void;
  /** A pushed message that is not the bench's (another text, a group event), with its data when it had any. */
  foreignPush(c: BenchClient, data?: Record<string, unknown>): void;
  /** An event other than `msg` (receipt, typing, read, presence, …), by name; never parsed. */
  event?(c: BenchClient, name: string): void;
}

/** One for every client of the process: a push is read into it and handed on synchronously. */
const SCANNED = newScannedPush();
const GROUP_CONV = /^g:(\d{1,16})$/;
/** How every event frame starts: `{"ev":"<name>"`. */
const EV_PREFIX = Buffer.from('{"ev":"');
const QUOTE = 0x22;
const HELLO = JSON.stringify({ id: -1, op: 'hello', data: { protocol: PROTOCOL_VERSION, client: 'warbler-bench' } });
/**
 * One lean WebSocket connection of a bench user, on a raw TCP socket: the upgrade, masked client
 * frames, and a frame parser that hands each text frame's bytes to the push scan without copying
 * (the group scenario receives hundreds of thousands of pushes a second on one core; a general
 * WebSocket library costs about a fifth more per frame). Opens, sends hello and auth.resume at once
 * (the protocol allows it), then hands responses and pushes to its owner. Ids -1 and -2 are the
 * handshake; the worker picks the ids of everything else. Answers pings; no extensions, no compression.
 */
export class BenchClient {
  socket: Socket | undefined;
  state: 'idle' | 'connecting' | 'open' | 'ready' | 'closed' = 'idle';
  label: ConnectLabel = 'connect';
  /** Set when the bench closes the connection itself: its close is no error. */
  closing = false;
  /** Highest pushed seq per sending user (one conversation each), to see pushes out of order. */
  readonly lastSeq = new Map<number, number>();
  /** group: the member's group index (-1: none), its conversation id and that id's number. */
  readonly group: number;
  readonly conv: string;
  readonly groupId: number;
  /** group: highest seq pushed in the group so far. */
  groupSeq = 0;
  /** group: pushes received in sequence order, and own messages acknowledged. */
  got = 0;
  own = 0;
  /** group: online since sending began (its deliveries are checked), and whether it then closed. */
  receiver = false;
  lostWhileReceiving = false;
  /** Position in the worker's list of ready clients, or -1. */
  readyIndex = -1;
  private startedNs = 0;
  private openNs = 0;
  private settledAttempt = true;
  private readonly resume: string;
  /** Upgrade response bytes so far (until the blank line). */
  private header = '';
  private key = '';
  /** Bytes of an incomplete frame, kept for the next chunk. */
  private rest: Buffer | null = null;
  /** Fragments of a message in progress (servers rarely fragment; handled all the same). */
  private fragments: Buffer[] | null = null;
  /** Close code from the server's close frame; ABNORMAL when there was none. */
  private closeCode = ABNORMAL;
  private closeSent = false;
  private readonly closeWaiters: (() => void)[] = [];
  private handshakeTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly local: number,
    readonly userId: number,
    token: string,
    private readonly address: string | undefined,
    private readonly owner: ClientOwner,
    group?: { index: number; conv: string },
  ) {
    this.resume = JSON.stringify({ id: -2, op: 'auth.resume', data: { token } });
    this.group = group?.index ?? -1;
    this.conv = group?.conv ?? '';
    this.groupId = group ? Number(GROUP_CONV.exec(group.conv)?.[1] ?? -1) : -1;
  }

  /** Bytes written but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket?.writableLength ?? 0;
  }

  /** Opens the connection and authenticates; the owner hears `settled` exactly once. */
  open(url: string, label: ConnectLabel, timeoutMs: number): void {
    const t = wsTarget(url);
    this.state = 'connecting';
    this.label = label;
    this.closing = false;
    this.settledAttempt = false;
    this.startedNs = nowNs();
    this.header = '';
    this.rest = null;
    this.fragments = null;
    this.closeCode = ABNORMAL;
    this.closeSent = false;
    this.key = upgradeKey();
    const opts = { host: t.host, port: t.port, ...(this.address ? { localAddress: this.address } : {}) };
    const socket = t.tls ? tlsConnect({ ...opts, servername: t.host }) : tcpConnect(opts);
    this.socket = socket;
    socket.setNoDelay(true);
    this.handshakeTimer = setTimeout(() => this.fail('connect_timeout'), timeoutMs);
    socket.once(t.tls ? 'secureConnect' : 'connect', () => {
      socket.write(upgradeRequest(t, this.key));
    });
    socket.on('data', (chunk: Buffer) => (this.state === 'connecting' ? this.onUpgradeData(chunk) : this.onData(chunk)));
    socket.on('error', (err: Error & { code?: string }) => {
      if (!this.settledAttempt) this.fail(`connect:${err.code ?? 'error'}`);
    });
    socket.on('close', () => this.onClose(socket));
  }

  /** Sends a text frame when authenticated; false otherwise. */
  send(text: string): boolean {
    if (this.state !== 'ready' || !this.socket) return false;
    this.socket.write(clientFrame(OP_TEXT, Buffer.from(text)));
    return true;
  }

  /** Calls `f` once when the current connection has closed. */
  onceClosed(f: () => void): void {
    this.closeWaiters.push(f);
  }

  /** Closes on purpose (no error); resolves when closed, or cuts it off after `ms`. */
  close(ms = 5000): Promise<void> {
    const socket = this.socket;
    this.closing = true;
    if (!socket || socket.destroyed) {
      this.state = 'closed';
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        socket.destroy();
        resolve();
      }, ms);
      socket.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      if (this.state === 'connecting') socket.destroy();
      else this.sendClose(1000);
    });
  }

  /** Gives up on an attempt that is still going (the phase timed out). */
  abandon(code: string): void {
    if (this.settledAttempt) return;
    this.fail(code);
  }

  private fail(code: string): void {
    if (this.settledAttempt) return;
    this.settledAttempt = true;
    clearTimeout(this.handshakeTimer);
    this.closing = true;
    this.state = 'closed';
    this.socket?.destroy();
    this.owner.settled(this, code, 0, 0);
  }

  private onClose(socket: Socket): void {
    if (socket !== this.socket) return;
    clearTimeout(this.handshakeTimer);
    const wasReady = this.state === 'ready';
    this.state = 'closed';
    if (!this.settledAttempt) this.fail(`closed_before_login:${this.closeCode}`);
    else if (wasReady && !this.closing) this.owner.lost(this, this.closeCode);
    const waiters = this.closeWaiters.splice(0);
    for (const f of waiters) f();
  }

  /** The server's answer to the upgrade; what follows its blank line is frames already. */
  private onUpgradeData(chunk: Buffer): void {
    // latin1: one character per byte, so string offsets are byte offsets.
    this.header += chunk.toString('latin1');
    const end = this.header.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.header.length > MAX_HEADER_BYTES) this.fail('upgrade:bad_response');
      return;
    }
    const head = this.header.slice(0, end);
    // Where the frames begin in this chunk.
    const framesAt = end + 4 - (this.header.length - chunk.length);
    this.header = '';
    const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
    if (status !== '101') return this.fail(`upgrade:${status ?? 'bad_response'}`);
    const accept = /\r\nsec-websocket-accept:\s*(\S+)/i.exec(head)?.[1];
    if (accept !== upgradeAccept(this.key)) return this.fail('upgrade:bad_accept');
    this.state = 'open';
    this.openNs = nowNs();
    const socket = this.socket!;
    socket.write(clientFrame(OP_TEXT, Buffer.from(HELLO)));
    socket.write(clientFrame(OP_TEXT, Buffer.from(this.resume)));
    if (framesAt < chunk.length) this.onData(chunk.subarray(framesAt));
  }

  /** Frames from the server (unmasked): text frames to `onMessage`, pings answered, a close returned. */
  private onData(chunk: Buffer): void {
    let b = chunk;
    if (this.rest) {
      b = Buffer.concat([this.rest, chunk]);
      this.rest = null;
    }
    let o = 0;
    const n = b.length;
    while (o + 2 <= n) {
      const b0 = b[o]!;
      let len = b[o + 1]! & 0x7f;
      let p = o + 2;
      if (len === 126) {
        if (p + 2 > n) break;
        len = b.readUInt16BE(p);
        p += 2;
      } else if (len === 127) {
        if (p + 8 > n) break;
        len = b.readUInt32BE(p) * 2 ** 32 + b.readUInt32BE(p + 4);
        p += 8;
      }
      if (p + len > n) break;
      o = p + len;
      const op = b0 & 0x0f;
      const fin = (b0 & 0x80) !== 0;
      if (op >= OP_CLOSE) this.onControl(op, b.subarray(p, o));
      else if (fin && op !== OP_CONT && !this.fragments) {
        // The common case: one whole text frame, read where it lies (no copy, no view).
        if (op === OP_TEXT) this.onMessage(b, p, o);
      } else {
        // A fragmented message: gather it (copies: the chunk's memory is reused by the next read).
        (this.fragments ??= []).push(Buffer.from(b.subarray(p, o)));
        if (fin) {
          const whole = Buffer.concat(this.fragments);
          this.fragments = null;
          this.onMessage(whole, 0, whole.length);
        }
      }
      if (this.state === 'closed') return;
    }
    if (o < n) this.rest = Buffer.from(b.subarray(o));
  }

  private onControl(op: number, payload: Buffer): void {
    const socket = this.socket;
    if (!socket) return;
    if (op === OP_PING) socket.write(clientFrame(OP_PONG, payload));
    else if (op === OP_CLOSE) {
      this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.sendClose(this.closeCode === 1005 ? 1000 : this.closeCode);
      socket.end();
    }
  }

  private sendClose(code: number): void {
    const socket = this.socket;
    if (this.closeSent || !socket || socket.destroyed) return;
    this.closeSent = true;
    const body = Buffer.allocUnsafe(2);
    body.writeUInt16BE(code, 0);
    socket.write(clientFrame(OP_CLOSE, body));
  }

  /** A text message: the bytes `b[start, end)`. */
  private onMessage(b: Buffer, start: number, end: number): void {
    // The hot path: a bench message's push, read from the bytes (see push-scan.ts).
    if (scanPush(b, SCANNED, start, end)) return this.owner.benchPush(this, SCANNED);
    // Other events (receipts, typing, …) are counted by name, not parsed: the client mix receives many.
    if (
      this.owner.event &&
      end - start > EV_PREFIX.length &&
      b.compare(EV_PREFIX, 0, EV_PREFIX.length, start, start + EV_PREFIX.length) === 0
    ) {
      const from = start + EV_PREFIX.length;
      const q = b.indexOf(QUOTE, from);
      if (q > from && q < end) {
        const name = b.toString('latin1', from, q);
        if (name !== 'msg') return this.owner.event(this, name);
      }
    }
    let f: Frame;
    try {
      f = JSON.parse(b.toString('utf8', start, end)) as Frame;
    } catch {
      return;
    }
    if (f.ev !== undefined) {
      if (f.ev === 'msg' && f.data) this.slowPush(f.data);
      return;
    }
    if (f.id === -1) {
      if (!f.ok) this.fail(`hello:${f.error?.code ?? 'unknown'}`);
    } else if (f.id === -2) {
      if (!f.ok) return this.fail(`login:${f.error?.code ?? 'unknown'}`);
      if (this.settledAttempt) return;
      this.settledAttempt = true;
      clearTimeout(this.handshakeTimer);
      this.state = 'ready';
      const now = nowNs();
      this.owner.settled(this, undefined, this.openNs - this.startedNs, now - this.openNs);
    } else this.owner.response(this, f);
  }

  /** A push the scan did not take: a bench message in another layout, or someone else's. */
  private slowPush(d: Record<string, unknown>): void {
    const text = typeof d.text === 'string' ? decodeText(d.text) : undefined;
    if (!text || typeof d.seq !== 'number' || typeof d.from !== 'number') return this.owner.foreignPush(this, d);
    const g = typeof d.conv === 'string' ? GROUP_CONV.exec(d.conv) : null;
    Object.assign(SCANNED, { group: g ? Number(g[1]) : 0, seq: d.seq, from: d.from, ...text });
    this.owner.benchPush(this, SCANNED, true);
  }
}
