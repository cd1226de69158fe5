import {
  LIMITS,
  PROTOCOL_VERSION,
  shouldReconnect,
  type ErrorBody,
  type ErrorCode,
  type EventData,
  type EventName,
  type Message,
  type Op,
  type RequestData,
  type ResultData,
  type User,
} from '@warbler/protocol';
import { Emitter } from './emitter.js';
import { blockOps, friendOps, groupOps, presenceOps, profileOps } from './features.js';
import { newClientId, ownCopy, type Ack, type PendingSend, type ReliableInput, type ReliableOp } from './outbox.js';
import { DeliveryReporter } from './receipts.js';
import { MessageStream } from './stream.js';

/**
 * An event handler slot the client assigns. Declared through a method so that its parameter is
 * compared both ways: the DOM's `(ev: MessageEvent) => any` and `ws`'s `(ev: WebSocket.MessageEvent) => void`
 * take narrower events than the client needs, and a plain function type would refuse them (TS2322).
 */
type Handler<E> = { handle(ev: E): void }['handle'];

/** The part of the WebSocket API the client uses: the browser's WebSocket and `ws` both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export type LocalErrorCode = 'disconnected' | 'frame_too_large';

/** A request the server answered with an error; `code` is from the protocol's registry. */
export class WarblerRequestError extends Error {
  override name = 'WarblerRequestError';
  /** A registry code, or one of the client's own: `disconnected`, `frame_too_large` (never sent). */
  readonly code: ErrorCode | LocalErrorCode;
  readonly status: number;
  constructor(body: ErrorBody | { code: LocalErrorCode; status: number; message: string }) {
    super(`${body.code}: ${body.message}`);
    this.code = body.code;
    this.status = body.status;
  }
}

export interface ClientOptions {
  /** ws:// or wss:// URL of the server's WebSocket endpoint, e.g. `ws://localhost:8080/ws`. */
  url: string;
  /** WebSocket implementation; defaults to `globalThis.WebSocket`. In Node 20 pass `ws`'s. */
  WebSocket?: WebSocketConstructor;
  /** Reconnect after a drop with a reconnect close code (default true). */
  reconnect?: boolean;
  /** First and largest reconnect delay, ms (defaults 100 and 5000). */
  backoffMs?: [number, number];
  /** Last known sequence per conversation, e.g. restored from storage; sync starts after these. */
  cursors?: Record<string, number>;
  /** Sync automatically after each (re)authentication (default true). */
  autoSync?: boolean;
  /**
   * Tell the server what reached this device (`conv.delivered`), so senders see delivery receipts
   * (default true): per conversation, at most once per `deliveryReceiptMs` (default 1000), only when the
   * cursor moved past what was already reported or read.
   */
  deliveryReceipts?: boolean;
  deliveryReceiptMs?: number;
  /** Name of this device, shown in device lists. */
  device?: string;
}

/** Every server event but `msg` (which comes through `message`), with its data: `read`, `receipt`, `presence`, `typing`, … */
export type ServerEvents = { [E in Exclude<EventName, 'msg'>]: EventData<E> };

export interface ClientEvents extends ServerEvents {
  /**
   * Every entry of the user's conversations, exactly once, in sequence order per conversation: content
   * messages, actions (`edit`, `recall`, `reaction`), `group` events, and `account` events from the
   * user's own `u:` log.
   */
  message: Message;
  /** Conversations the user is no longer a member of (left, removed, dissolved), as sync reports them. */
  left: string;
  /** Connected and authenticated again after a drop. */
  reconnected: void;
  /** The connection closed; `reconnect` says whether the client will try again. */
  disconnected: { code: number; reason: string; reconnect: boolean };
  /** The saved token no longer works (revoked, expired, logged out): log in again. */
  authLost: { code: number | ErrorCode };
}

interface PendingRequest {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export type { ReliableInput, ReliableOp } from './outbox.js';

const encoder = new TextEncoder();
/**
 * A Warbler client for browsers and Node.
 * @example
 * const c = new WarblerClient({ url: 'ws://localhost:8080/ws', WebSocket });
 * await c.connect(); await c.login('alice', 'secret-password');
 * c.on('message', (m) => console.log(m.text));
 * await c.send({ to: 2, text: 'hello' });
 */
export class WarblerClient extends Emitter<ClientEvents> {
  private ws: WebSocketLike | undefined;
  private nextId = 1;
  private readonly requests = new Map<number, PendingRequest>();
  private readonly sends: PendingSend[] = [];
  private readonly stream: MessageStream;
  private token: string | undefined;
  private closedByUser = false;
  private authed = false;
  private attempts = 0;
  /** Pending retry of sends the server refused for now, and how many retries in a row made no progress. */
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retries = 0;
  private syncing: Promise<void> | undefined;
  private readonly deliveries: DeliveryReporter | undefined;
  private serverUrl: string;
  /** The server's frame limit, from `hello`. */
  private maxFrameBytes: number = LIMITS.maxFrameBytes;
  /** The logged-in user, once authenticated. */
  user: User | undefined;
  deviceId: number | undefined;

  constructor(private readonly opts: ClientOptions) {
    super();
    this.serverUrl = opts.url;
    if (opts.deliveryReceipts ?? true)
      this.deliveries = new DeliveryReporter(
        opts.deliveryReceiptMs ?? 1000,
        () => this.authed,
        (d) => this.request('conv.delivered', d),
      );
    this.stream = new MessageStream(
      opts.cursors ?? {},
      (m) => {
        this.deliveries?.delivered(m, this.user?.id);
        this.emit('message', m);
      },
      () => void this.sync().catch(() => undefined),
    );
  }

  /**
   * The server's WebSocket URL. Setting it sends the next connect and every later reconnect there
   * (e.g. the server moved to a new address); an open connection stays where it is until it drops.
   * @example client.url = 'ws://new-host:8080/ws'; // reconnects there with the saved token
   */
  get url(): string {
    return this.serverUrl;
  }
  set url(url: string) {
    this.serverUrl = url;
  }

  /** The saved device token, to persist and pass to `resume` later. */
  get sessionToken(): string | undefined {
    return this.token;
  }
  /** Last sequence delivered per conversation: persist it to sync from there next time. */
  get cursors(): Record<string, number> {
    return this.stream.snapshot();
  }
  get connected(): boolean {
    return this.ws?.readyState === 1;
  }

  /** Opens the connection and completes the `hello` handshake. */
  async connect(): Promise<ResultData<'hello'>> {
    this.closedByUser = false;
    const Ctor = this.opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) throw new Error('no WebSocket implementation: pass options.WebSocket');
    const ws = new Ctor(this.serverUrl);
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new WarblerRequestError({ code: 'disconnected', status: 0, message: 'connection failed' }));
      ws.onclose = (ev) => reject(new WarblerRequestError({ code: 'disconnected', status: 0, message: `closed ${ev.code}` }));
    });
    ws.onmessage = (ev) => this.onFrame(String(ev.data));
    ws.onclose = (ev) => this.onClose(ws, ev.code, ev.reason);
    ws.onerror = () => undefined;
    const hello = await this.request('hello', { protocol: PROTOCOL_VERSION, client: 'warbler-sdk/0.1.0' });
    this.maxFrameBytes = hello.limits.maxFrameBytes;
    return hello;
  }

  /** Sends a request and resolves with its result; rejects with WarblerRequestError. */
  request<O extends Op>(op: O, data: RequestData<O>): Promise<ResultData<O>> {
    const ws = this.ws;
    if (!ws || ws.readyState !== 1)
      return Promise.reject(new WarblerRequestError({ code: 'disconnected', status: 0, message: 'not connected' }));
    const id = this.nextId++;
    const text = JSON.stringify({ id, op, data });
    // The server closes the connection on a frame over its limit; refuse it here instead, so a send
    // that can never fit is not resent after every reconnect.
    if (text.length * 3 > this.maxFrameBytes && encoder.encode(text).length > this.maxFrameBytes)
      return Promise.reject(
        new WarblerRequestError({ code: 'frame_too_large', status: 413, message: `frame is larger than ${this.maxFrameBytes} bytes` }),
      );
    return new Promise<ResultData<O>>((resolve, reject) => {
      this.requests.set(id, { resolve: resolve as (v: unknown) => void, reject });
      ws.send(text);
    });
  }

  /**
   * Creates an account and logs in. `opts` is the display name, or `{ displayName?, invite? }`: `invite`
   * is the invite code a server whose registration policy is `invite` asks for.
   * @example await c.register('alice', 'a long password', { invite: 'wbi_…' });
   */
  async register(
    username: string,
    password: string,
    opts?: string | { displayName?: string; invite?: string },
  ): Promise<ResultData<'auth.register'>> {
    const { displayName, invite } = typeof opts === 'string' ? { displayName: opts, invite: undefined } : (opts ?? {});
    const r = await this.request('auth.register', {
      username,
      password,
      ...(displayName ? { displayName } : {}),
      ...(invite ? { invite } : {}),
      ...this.deviceField(),
    });
    await this.authenticated(r.token, r.user, r.deviceId);
    return r;
  }

  async login(username: string, password: string): Promise<ResultData<'auth.login'>> {
    const r = await this.request('auth.login', { username, password, ...this.deviceField() });
    await this.authenticated(r.token, r.user, r.deviceId);
    return r;
  }

  /** Authenticates with a saved device token. */
  async resume(token: string): Promise<ResultData<'auth.resume'>> {
    const r = await this.request('auth.resume', { token });
    await this.authenticated(token, r.user, r.deviceId);
    return r;
  }

  private deviceField(): { device?: string } {
    return this.opts.device ? { device: this.opts.device } : {};
  }

  private async authenticated(token: string, user: User, deviceId: number): Promise<void> {
    this.token = token;
    this.user = user;
    this.deviceId = deviceId;
    this.authed = true;
    this.attempts = 0;
    this.flushSends();
    if (this.opts.autoSync ?? true) await this.sync();
  }

  /**
   * Sends a message (any content kind; `text` by default) and resolves with its ack once the server has
   * stored it. Across drops and reconnects the same client id is resent until acknowledged, so it is
   * stored exactly once.
   */
  send(input: ReliableInput<'msg.send'>): Promise<Ack> {
    return this.reliable('msg.send', input);
  }

  /** Replaces the text (or caption) of one of the user's messages; an `edit` entry in the conversation. */
  edit(conv: string, seq: number, text: string): Promise<Ack> {
    return this.reliable('msg.edit', { conv, seq, text });
  }

  /** Recalls a message (the author within the recall window; group admins any). */
  recall(conv: string, seq: number): Promise<Ack> {
    return this.reliable('msg.recall', { conv, seq });
  }

  /** Adds (`on` true) or takes back a reaction. */
  react(conv: string, seq: number, emoji: string, on = true): Promise<Ack> {
    return this.reliable('msg.react', { conv, seq, emoji, on });
  }

  /** Forwards a message to a user (`to`) or a conversation (`toConv`). */
  forward(conv: string, seq: number, target: { to: number } | { toConv: string }): Promise<Ack> {
    return this.reliable('msg.forward', { conv, seq, ...target });
  }

  /** Deletes messages for this user only (all their devices); others still see them. */
  deleteForMe(conv: string, seqs: number[]): Promise<ResultData<'msg.delete'>> {
    return this.request('msg.delete', { conv, seqs });
  }

  /** Read and delivery counts of a message (and who read it, in small groups). */
  receipts(conv: string, seq: number): Promise<ResultData<'msg.receipts'>> {
    return this.request('msg.receipts', { conv, seq });
  }

  /** Sets a conversation's pinned / muted / archived flags for this user. */
  updateConversation(conv: string, flags: { pinned?: boolean; muted?: boolean; archived?: boolean }): Promise<ResultData<'conv.update'>> {
    return this.request('conv.update', { conv, ...flags });
  }

  /** Group ops (docs/protocol.md, Groups), e.g. `const { group } = await c.groups.create({ name: 'Team', members: [2, 3] })`. */
  readonly groups = groupOps((op, data) => this.request(op, data));
  /** Friends and friend requests (docs/protocol.md, Contacts and profiles). */
  readonly friends = friendOps((op, data) => this.request(op, data));
  /** Blocking: a blocked user cannot send to or befriend the blocker. */
  readonly blocks = blockOps((op, data) => this.request(op, data));
  /** The user's own profile and privacy settings, and finding other users. */
  readonly profile = profileOps((op, data) => this.request(op, data));
  /** Presence watches: state now and `presence` events; watches belong to the connection (watch again after `reconnected`). */
  readonly presence = presenceOps((op, data) => this.request(op, data));

  /** Tells the conversation's other members that the user is (or stopped) typing; never stored. */
  typing(conv: string, typing = true): Promise<ResultData<'typing'>> {
    return this.request('typing', { conv, typing });
  }

  /** Full-text search over the messages the user may read, newest first; pass `next` as `before` for more. */
  search(d: RequestData<'msg.search'>): Promise<ResultData<'msg.search'>> {
    return this.request('msg.search', d);
  }

  /** Queues a reliable op and flushes the queue when authenticated. */
  reliable<O extends ReliableOp>(op: O, input: ReliableInput<O>): Promise<Ack> {
    const data = { ...input, clientId: input.clientId ?? newClientId() } as RequestData<ReliableOp>;
    return new Promise((resolve, reject) => {
      this.sends.push({ op, data, resolve, reject, inFlight: false });
      if (this.authed) this.flushSends();
    });
  }

  /** Number of sends not yet acknowledged. */
  get pendingSends(): number {
    return this.sends.length;
  }

  private flushSends(): void {
    for (const p of this.sends) {
      if (p.inFlight || !this.authed) continue;
      p.inFlight = true;
      (this.request(p.op, p.data as never) as Promise<Ack>).then(
        (ack) => {
          this.retries = 0;
          if (!this.dropSend(p)) return;
          const own = ownCopy(p.op, p.data, ack, this.user!.id);
          // A duplicate ack is an entry stored earlier: it came (or comes) through sync like any other.
          if (own && !ack.duplicate) this.stream.ingest(own);
          else if (!ack.duplicate) void this.sync().catch(() => undefined);
          p.resolve(ack);
        },
        (e: unknown) => {
          p.inFlight = false;
          // A drop keeps the send queued for the next connection; "not now" (rate limited, unavailable)
          // retries it after a pause on this one; a refusal ends it.
          if (e instanceof WarblerRequestError && e.code === 'disconnected') return;
          if (e instanceof WarblerRequestError && (e.code === 'unavailable' || e.code === 'rate_limited')) return this.retrySendsLater();
          if (this.dropSend(p)) p.reject(e);
        },
      );
    }
  }

  /** Takes `p` off the queue; false when it is already gone (close() rejected it). */
  private dropSend(p: PendingSend): boolean {
    const i = this.sends.indexOf(p);
    if (i >= 0) this.sends.splice(i, 1);
    return i >= 0;
  }

  /** Resends the queued sends after a delay that doubles while retries make no progress. */
  private retrySendsLater(): void {
    if (this.retryTimer !== undefined || this.closedByUser) return;
    const [first, max] = this.opts.backoffMs ?? [100, 5000];
    const delay = Math.min(max, first * 2 ** Math.min(this.retries++, 16));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.flushSends();
    }, delay);
  }

  /** Pulls everything after the current cursors, page by page, and delivers it through `message`. */
  sync(): Promise<void> {
    this.syncing ??= (async () => {
      try {
        for (let page = 0; page < 100_000; page++) {
          const r = await this.request('sync', { cursors: this.stream.snapshot(), limit: 500 });
          for (const m of r.messages) this.stream.ingest(m, true);
          for (const conv of r.left ?? []) {
            this.stream.forget(conv);
            this.emit('left', conv);
          }
          if (!r.more) break;
        }
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  /** Older messages of a conversation, oldest first; `before` is a sequence (exclusive). */
  history(conv: string, before?: number, limit?: number): Promise<ResultData<'msg.history'>> {
    return this.request('msg.history', { conv, ...(before !== undefined ? { before } : {}), ...(limit !== undefined ? { limit } : {}) });
  }

  conversations(limit?: number, before?: string): Promise<ResultData<'conv.list'>> {
    return this.request('conv.list', { ...(limit !== undefined ? { limit } : {}), ...(before !== undefined ? { before } : {}) });
  }

  markRead(conv: string, seq: number): Promise<ResultData<'conv.read'>> {
    // A read covers delivery: no conv.delivered for what this read reports.
    this.deliveries?.read(conv, seq);
    return this.request('conv.read', { conv, seq });
  }

  /** Closes the connection for good (no reconnect). Unacknowledged sends are rejected. */
  close(): void {
    this.closedByUser = true;
    clearTimeout(this.retryTimer);
    this.deliveries?.stop();
    this.retryTimer = undefined;
    this.ws?.close(1000, 'client closed');
    for (const p of this.sends.splice(0)) p.reject(new WarblerRequestError({ code: 'disconnected', status: 0, message: 'client closed' }));
  }

  private onFrame(text: string): void {
    let f: { id?: number | string | null; ok?: boolean; data?: unknown; error?: ErrorBody; ev?: string };
    try {
      f = JSON.parse(text) as typeof f;
    } catch {
      return;
    }
    if (f.ev !== undefined) {
      if (f.ev === 'msg') this.stream.ingest(f.data as Message);
      else this.emit(f.ev as Exclude<EventName, 'msg'>, f.data as never);
      return;
    }
    if (typeof f.id !== 'number') return;
    const p = this.requests.get(f.id);
    if (!p) return;
    this.requests.delete(f.id);
    if (f.ok) p.resolve(f.data);
    else p.reject(new WarblerRequestError(f.error!));
  }

  private onClose(ws: WebSocketLike, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.authed = false;
    for (const [, p] of this.requests) p.reject(new WarblerRequestError({ code: 'disconnected', status: 0, message: `closed ${code}` }));
    this.requests.clear();
    for (const s of this.sends) s.inFlight = false;
    const again = !this.closedByUser && (this.opts.reconnect ?? true) && shouldReconnect(code) && this.token !== undefined;
    this.emit('disconnected', { code, reason, reconnect: again });
    if (!this.closedByUser && !shouldReconnect(code)) this.emit('authLost', { code });
    if (again) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const [first, max] = this.opts.backoffMs ?? [100, 5000];
    const delay = Math.min(max, first * 2 ** Math.min(this.attempts++, 16)) * (0.5 + Math.random() / 2);
    setTimeout(() => void this.reconnectOnce(), delay);
  }

  private async reconnectOnce(): Promise<void> {
    if (this.closedByUser) return;
    try {
      await this.connect();
      await this.resume(this.token!);
      this.emit('reconnected', undefined);
    } catch (e) {
      if (e instanceof WarblerRequestError && (e.code === 'token_invalid' || e.code === 'token_expired')) {
        this.token = undefined;
        this.emit('authLost', { code: e.code });
        this.ws?.close(1000, 'auth lost');
        return;
      }
      if (this.closedByUser) return;
      // A failed attempt whose socket never opened gets no close event: schedule the next one here.
      if (this.ws?.readyState !== 1) this.scheduleReconnect();
    }
  }
}
