import { PROTOCOL_VERSION } from '@warbler/protocol';
import WebSocket from 'ws';
import type { ConnectLabel } from './ipc.js';
import { decodeText, nowNs } from './message-text.js';
import { newScannedPush, scanPush, type ScannedPush } from './push-scan.js';

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
  /** A pushed message that is not the bench's (another text, a group event). */
  foreignPush(c: BenchClient): void;
}

/** One for every client of the process: a push is read into it and handed on synchronously. */
const SCANNED = newScannedPush();
const GROUP_CONV = /^g:(\d{1,16})$/;

const HELLO = JSON.stringify({ id: -1, op: 'hello', data: { protocol: PROTOCOL_VERSION, client: 'warbler-bench' } });

/**
 * One lean raw-WebSocket connection of a bench user: opens, sends hello and auth.resume at once
 * (the protocol allows it), then hands responses and pushes to its owner. Ids -1 and -2 are the
 * handshake; the worker picks the ids of everything else.
 */
export class BenchClient {
  ws: WebSocket | undefined;
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

  /** Opens the connection and authenticates; the owner hears `settled` exactly once. */
  open(url: string, label: ConnectLabel, timeoutMs: number): void {
    this.state = 'connecting';
    this.label = label;
    this.closing = false;
    this.settledAttempt = false;
    this.startedNs = nowNs();
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
      skipUTF8Validation: true,
      ...(this.address ? { localAddress: this.address } : {}),
    });
    this.ws = ws;
    ws.on('open', () => {
      this.state = 'open';
      this.openNs = nowNs();
      ws.send(HELLO);
      ws.send(this.resume);
    });
    ws.on('message', (data: Buffer) => this.onMessage(data));
    ws.on('error', (err: Error & { code?: string }) => {
      if (this.settledAttempt) return;
      const status = /Unexpected server response: (\d+)/.exec(err.message)?.[1];
      this.fail(/timed out/.test(err.message) ? 'connect_timeout' : status ? `upgrade:${status}` : `connect:${err.code ?? 'error'}`);
    });
    ws.on('close', (code: number) => {
      const wasReady = this.state === 'ready';
      this.state = 'closed';
      if (!this.settledAttempt) this.fail(`closed_before_login:${code}`);
      else if (wasReady && !this.closing) this.owner.lost(this, code);
    });
  }

  /** A push the scan did not take: a bench message in another layout, or someone else's. */
  private slowPush(d: Record<string, unknown>): void {
    const text = typeof d.text === 'string' ? decodeText(d.text) : undefined;
    if (!text || typeof d.seq !== 'number' || typeof d.from !== 'number') return this.owner.foreignPush(this);
    const g = typeof d.conv === 'string' ? GROUP_CONV.exec(d.conv) : null;
    Object.assign(SCANNED, { group: g ? Number(g[1]) : 0, seq: d.seq, from: d.from, ...text });
    this.owner.benchPush(this, SCANNED, true);
  }

  /** Sends a text frame when authenticated; false otherwise. */
  send(text: string): boolean {
    if (this.state !== 'ready' || !this.ws) return false;
    this.ws.send(text);
    return true;
  }

  /** Closes on purpose (no error); resolves when closed, or cuts it off after `ms`. */
  close(ms = 5000): Promise<void> {
    const ws = this.ws;
    this.closing = true;
    if (!ws || ws.readyState === WebSocket.CLOSED) {
      this.state = 'closed';
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        ws.terminate();
        resolve();
      }, ms);
      ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000);
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
    this.closing = true;
    this.state = 'closed';
    this.ws?.terminate();
    this.owner.settled(this, code, 0, 0);
  }

  private onMessage(data: Buffer): void {
    // The hot path: a bench message's push, read from the bytes (see push-scan.ts).
    if (scanPush(data, SCANNED)) return this.owner.benchPush(this, SCANNED);
    let f: Frame;
    try {
      f = JSON.parse(data.toString()) as Frame;
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
      this.state = 'ready';
      const now = nowNs();
      this.owner.settled(this, undefined, this.openNs - this.startedNs, now - this.openNs);
    } else this.owner.response(this, f);
  }
}
