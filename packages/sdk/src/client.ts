import {
  LIMITS,
  PROTOCOL_VERSION,
  shouldReconnect,
  type ErrorBody,
  type ErrorCode,
  type EventName,
  type Message,
  type Op,
  type Conversation,
  type RequestData,
  type ResultData,
  type User,
} from '@warbler/protocol';
import { Emitter } from './emitter.js';
import { blockOps, deviceOps, friendOps, groupOps, presenceOps, profileOps } from './features.js';
import { networkDown, watchNetwork } from './network.js';
import { newClientId, ownCopy, type Ack, type PendingSend, type ReliableInput, type ReliableOp } from './outbox.js';
import { DeliveryReporter } from './receipts.js';
import { SavedState, type Restored, type SavedSession } from './saved.js';
import { MemoryStorage } from './storage.js';
import { MessageStream } from './stream.js';
import {
  WarblerRequestError,
  type ClientEvents,
  type ClientOptions,
  type ConnectionState,
  type LocalErrorCode,
  type WebSocketConstructor,
  type WebSocketLike,
} from './client-api.js';

export * from './client-api.js';

interface PendingRequest {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export type { ReliableInput, ReliableOp } from './outbox.js';

const DAY = 86_400_000;
const local = (code: LocalErrorCode, message: string, status = 0) => new WarblerRequestError({ code, status, message });

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
  private readonly saved: SavedState;
  private restoring: Promise<Restored> | undefined;
  /** The user whose data the storage held when restored (another user's login wipes it). */
  private savedUser: number | undefined;
  private token: string | undefined;
  private expiresAt = 0;
  private lifetimeMs: number | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private closedByUser = false;
  private authed = false;
  private attempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnecting = false;
  private unwatch: (() => void) | undefined;
  private st: ConnectionState = 'closed';
  /** Pending retry of sends the server refused for now, and how many retries in a row made no progress. */
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retries = 0;
  private sendSeq = 0;
  private syncing: Promise<void> | undefined;
  private readonly deliveries: DeliveryReporter | undefined;
  private serverUrl: string;
  /** The server's frame limit, from `hello`. */
  private maxFrameBytes: number = LIMITS.maxFrameBytes;
  /** The request timeout in ms (from `requestTimeoutMs`; 0: none); may be changed at any time. */
  requestTimeoutMs: number;
  /** The logged-in user, once authenticated. */
  user: User | undefined;
  deviceId: number | undefined;

  constructor(private readonly opts: ClientOptions) {
    super();
    this.serverUrl = opts.url;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 15_000;
    this.saved = new SavedState(opts.storage ?? new MemoryStorage(), opts.cacheMessages ?? 50);
    if (opts.deliveryReceipts ?? true)
      this.deliveries = new DeliveryReporter(
        opts.deliveryReceiptMs ?? 1000,
        () => this.authed,
        (d) => this.request('conv.delivered', d),
      );
    this.stream = new MessageStream(
      opts.cursors ?? {},
      (m) => {
        this.saved.delivered(m);
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
  /** When the token expires (ms since the epoch; 0 before authentication). */
  get tokenExpiresAt(): number {
    return this.expiresAt;
  }
  /** Last sequence delivered per conversation: persist it to sync from there next time. */
  get cursors(): Record<string, number> {
    return this.stream.snapshot();
  }
  get connected(): boolean {
    return this.ws?.readyState === 1;
  }
  /** Where the connection stands; each change is a `state` event. */
  get state(): ConnectionState {
    return this.st;
  }

  private setState(s: ConnectionState): void {
    if (s === this.st) return;
    this.st = s;
    this.emit('state', s);
  }

  /**
   * Reads the saved state from `storage` (once; later calls give the same): the session, the cursors
   * (sync starts after them), the outbox (sent again once authenticated) and the cached conversations.
   * `connect` and `start` call it; call it first to show the cache before any network.
   */
  restore(): Promise<Restored> {
    this.restoring ??= this.saved.load().then(
      (r) => {
        this.stream.advance(r.cursors);
        this.savedUser = r.session?.user.id;
        if (r.session && this.token === undefined) this.useSession(r.session);
        const restored = r.outbox.map((s) => this.queued(s.op, s.data, { n: s.n, saved: true }));
        this.sends.unshift(...restored);
        if (this.authed) this.flushSends();
        return r;
      },
      // A storage that cannot be read is treated as empty.
      () => ({ session: undefined, conversations: [], cursors: {}, outbox: [] }),
    );
    return this.restoring;
  }

  /**
   * Restores the saved state at once and, when a session was saved, connects and resumes it in the
   * background (retrying with backoff, waiting for the network); `state` and `reconnected` tell how it
   * goes, `authLost` when the session is no longer valid. Without a saved session, `connect` and log in.
   * @example const { conversations } = await c.start(); render(conversations); // then `message` events
   */
  async start(): Promise<Restored> {
    const r = await this.restore();
    if (this.token !== undefined && !this.authed && !this.reconnecting) {
      this.closedByUser = false;
      this.watch();
      void this.reconnectOnce();
    }
    return r;
  }

  /** The cached recent entries of a conversation, oldest first (see `cacheMessages`). */
  cachedMessages(conv: string): Message[] {
    return this.saved.messages(conv);
  }
  /** The conversation list as last fetched by `conversations()` (first page), or as restored. */
  get cachedConversations(): Conversation[] {
    return this.saved.conversations;
  }
  /** Writes the cached cursors and entries now (they are written within 50 ms anyway). */
  flush(): Promise<void> {
    return this.saved.flush();
  }

  private useSession(s: SavedSession): void {
    this.token = s.token;
    this.expiresAt = s.expiresAt;
    this.lifetimeMs = s.lifetimeMs;
    this.user ??= s.user;
  }

  /** Follows the browser's online / offline events (from the first connect until close). */
  private watch(): void {
    this.unwatch ??= watchNetwork((online) => {
      if (!online) {
        // Drop the socket now: it may look open for minutes on a dead network.
        if (this.ws) this.onClose(this.ws, 1006, 'network offline', true);
        if (this.token !== undefined && !this.closedByUser) this.setState('offline');
      } else if (!this.authed && !this.closedByUser && this.token !== undefined) {
        this.attempts = 0;
        void this.reconnectOnce();
      }
    });
  }

  /** Opens the connection and completes the `hello` handshake. */
  async connect(): Promise<ResultData<'hello'>> {
    this.closedByUser = false;
    this.watch();
    await this.restore();
    const Ctor = this.opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) throw new Error('no WebSocket implementation: pass options.WebSocket');
    this.setState('connecting');
    const ws = new Ctor(this.serverUrl);
    this.ws = ws;
    try {
      await new Promise<void>((resolve, reject) => {
        const ms = this.requestTimeoutMs;
        const timer = ms > 0 ? setTimeout(() => (ws.close(), reject(local('timeout', 'connection not open in time'))), ms) : undefined;
        ws.onopen = () => (clearTimeout(timer), resolve());
        ws.onerror = () => (clearTimeout(timer), reject(local('disconnected', 'connection failed')));
        ws.onclose = (ev) => (clearTimeout(timer), reject(local('disconnected', `closed ${ev.code}`)));
      });
      ws.onmessage = (ev) => this.onFrame(String(ev.data));
      ws.onclose = (ev) => this.onClose(ws, ev.code, ev.reason);
      ws.onerror = () => undefined;
      const hello = await this.request('hello', { protocol: PROTOCOL_VERSION, client: 'warbler-sdk/0.1.0' });
      this.maxFrameBytes = hello.limits.maxFrameBytes;
      return hello;
    } catch (e) {
      if (this.ws === ws) {
        this.ws = undefined;
        ws.close();
      }
      this.setState(this.reconnecting && !this.closedByUser ? 'offline' : 'closed');
      throw e;
    }
  }

  /**
   * Sends a request and resolves with its result; rejects with WarblerRequestError (`timeout` when no
   * answer comes within `requestTimeoutMs`).
   */
  request<O extends Op>(op: O, data: RequestData<O>): Promise<ResultData<O>> {
    const ws = this.ws;
    if (!ws || ws.readyState !== 1) return Promise.reject(local('disconnected', 'not connected'));
    const id = this.nextId++;
    const text = JSON.stringify({ id, op, data });
    // The server closes the connection on a frame over its limit; refuse it here instead, so a send
    // that can never fit is not resent after every reconnect.
    if (text.length * 3 > this.maxFrameBytes && encoder.encode(text).length > this.maxFrameBytes)
      return Promise.reject(local('frame_too_large', `frame is larger than ${this.maxFrameBytes} bytes`, 413));
    return new Promise<ResultData<O>>((resolve, reject) => {
      const ms = this.requestTimeoutMs;
      const timer =
        ms > 0
          ? setTimeout(() => {
              // Forget the request: its answer, if it ever comes, is ignored.
              this.requests.delete(id);
              reject(local('timeout', `no answer to ${op} within ${ms} ms`));
            }, ms)
          : undefined;
      this.requests.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
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
    await this.authenticated(r.token, r.user, r.deviceId, r.expiresAt, true);
    return r;
  }

  async login(username: string, password: string): Promise<ResultData<'auth.login'>> {
    const r = await this.request('auth.login', { username, password, ...this.deviceField() });
    await this.authenticated(r.token, r.user, r.deviceId, r.expiresAt, true);
    return r;
  }

  /** Authenticates with a device token: `token`, else the one saved (in `storage`, or the last one used). */
  async resume(token?: string): Promise<ResultData<'auth.resume'>> {
    await this.restore();
    const t = token ?? this.token;
    if (t === undefined) throw local('disconnected', 'no saved session: log in');
    const r = await this.request('auth.resume', { token: t });
    await this.authenticated(t, r.user, r.deviceId, r.expiresAt, false);
    return r;
  }

  /**
   * Rotates the device token now (`auth.refresh`): the old one stops working. The new one is saved in
   * `storage` and given by a `token` event. With `autoRefresh` (default) this happens before expiry.
   */
  async refresh(): Promise<ResultData<'auth.refresh'>> {
    const r = await this.request('auth.refresh', {});
    this.newToken(r.token, r.expiresAt);
    return r;
  }

  /**
   * Logs this device out (`auth.logout`): its token stops working, the connection closes for good,
   * and the storage is cleared (session, outbox, cursors, cache); unsent sends are dropped.
   */
  async logout(): Promise<void> {
    await this.request('auth.logout', {});
    this.close();
    this.token = undefined;
    this.sends.length = 0;
    await this.saved.wipe();
  }

  private deviceField(): { device?: string } {
    return this.opts.device ? { device: this.opts.device } : {};
  }

  private async authenticated(token: string, user: User, deviceId: number, expiresAt: number, fresh: boolean): Promise<void> {
    if (this.savedUser !== undefined && this.savedUser !== user.id) {
      // The storage held another user's data: none of it is this user's (nor are their queued sends).
      await this.saved.wipe();
      this.stream.reset();
      for (const p of this.sends.splice(0)) p.reject(local('disconnected', 'another user logged in'));
    }
    this.savedUser = user.id;
    this.user = user;
    this.deviceId = deviceId;
    this.authed = true;
    this.attempts = 0;
    if (fresh || token !== this.token) {
      this.token = token;
      this.newToken(token, expiresAt, fresh);
    } else {
      this.expiresAt = expiresAt;
      this.planRefresh();
    }
    this.setState('online');
    this.flushSends();
    if (this.opts.autoSync ?? true) await this.sync();
  }

  /** A token the server just gave (fresh: its lifetime starts now): keep it, save it, tell the app. */
  private newToken(token: string, expiresAt: number, fresh = true): void {
    this.token = token;
    this.expiresAt = expiresAt;
    if (fresh) this.lifetimeMs = expiresAt - Date.now();
    const s: SavedSession = { token, user: this.user!, deviceId: this.deviceId!, expiresAt };
    if (this.lifetimeMs !== undefined) s.lifetimeMs = this.lifetimeMs;
    void this.saved.saveSession(s);
    if (fresh) this.emit('token', { token, expiresAt });
    this.planRefresh();
  }

  /** Arms the refresh timer for when the token gets close to expiry (re-armed after each auth). */
  private planRefresh(): void {
    clearTimeout(this.refreshTimer);
    if (!(this.opts.autoRefresh ?? true) || this.closedByUser) return;
    const before = this.opts.refreshBeforeMs ?? (this.lifetimeMs ? this.lifetimeMs / 2 : DAY);
    const wait = this.expiresAt - before - Date.now();
    this.refreshTimer = setTimeout(
      () => {
        if (!this.authed) return; // the next authentication plans again
        if (wait > 2 ** 31 - 1) return this.planRefresh(); // a timer cannot wait that long: wait in steps
        void this.refreshShared().catch(() => undefined);
      },
      Math.min(Math.max(0, wait), 2 ** 31 - 1),
    );
  }

  /** Refreshes, unless another client on the same storage (another tab) already did: then uses its token. */
  private async refreshShared(): Promise<void> {
    const s = await this.saved.session();
    if (s && s.user.id === this.user?.id && s.expiresAt > this.expiresAt) {
      this.useSession(s);
      return this.planRefresh();
    }
    await this.refresh();
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
  /** The user's devices: `list()`, and `revoke(id)` (its connections close with 4101; this one too if it is this device). */
  readonly devices = deviceOps((op, data) => this.request(op, data));

  /** Changes the password; every other device of the user is logged out. */
  changePassword(oldPassword: string, newPassword: string): Promise<ResultData<'account.password'>> {
    return this.request('account.password', { oldPassword, newPassword });
  }

  /** The server's clock; also a cheap way to check the connection answers. */
  ping(): Promise<ResultData<'ping'>> {
    return this.request('ping', {});
  }

  /** Tells the conversation's other members that the user is (or stopped) typing; never stored. */
  typing(conv: string, typing = true): Promise<ResultData<'typing'>> {
    return this.request('typing', { conv, typing });
  }

  /** Full-text search over the messages the user may read, newest first; pass `next` as `before` for more. */
  search(d: RequestData<'msg.search'>): Promise<ResultData<'msg.search'>> {
    return this.request('msg.search', d);
  }

  /**
   * Queues a reliable op and flushes the queue when authenticated. The op is saved in the outbox
   * (`storage`) before it is first sent, so a restart with the same storage sends it again, with the
   * same client id: the server stores it once.
   */
  reliable<O extends ReliableOp>(op: O, input: ReliableInput<O>): Promise<Ack> {
    const data = { ...input, clientId: input.clientId ?? newClientId() } as RequestData<ReliableOp>;
    return new Promise((resolve, reject) => {
      const p = this.queued(op, data, { resolve, reject });
      this.sends.push(p);
      void this.restore()
        .then(() => this.saved.putSend(data.clientId, { op, data, n: p.n }))
        .then(() => {
          p.saved = true;
          if (this.authed) this.flushSends();
        });
    });
  }

  private queued(op: ReliableOp, data: RequestData<ReliableOp>, p: Partial<PendingSend>): PendingSend {
    const n = Date.now() * 1000 + (this.sendSeq++ % 1000);
    return { op, data, resolve: () => undefined, reject: () => undefined, inFlight: false, saved: false, n, ...p };
  }

  /** Number of sends not yet acknowledged. */
  get pendingSends(): number {
    return this.sends.length;
  }
  /** The sends not yet acknowledged, oldest first (restored ones too): e.g. to show them as pending. */
  get outbox(): { op: ReliableOp; data: RequestData<ReliableOp> }[] {
    return this.sends.map(({ op, data }) => ({ op, data }));
  }

  private flushSends(): void {
    for (const p of this.sends) {
      if (p.inFlight || !p.saved || !this.authed) continue;
      p.inFlight = true;
      (this.request(p.op, p.data as never) as Promise<Ack>).then(
        (ack) => {
          this.retries = 0;
          if (!this.dropSend(p)) return;
          const own = ownCopy(p.op, p.data, ack, this.user!.id);
          // A duplicate ack is of an entry stored earlier (its first ack was lost): sync brings it if missed.
          if (own && !ack.duplicate) this.stream.ingest(own);
          else if (this.stream.cursor(ack.conv) < ack.seq) void this.sync().catch(() => undefined);
          p.resolve(ack);
          this.emit('sent', { clientId: ack.clientId, op: p.op, ack });
        },
        (e: unknown) => {
          p.inFlight = false;
          // A drop keeps the send queued for the next connection; "not now" (rate limited, unavailable,
          // no answer in time) retries it after a pause on this one; a refusal ends it.
          if (!(e instanceof WarblerRequestError)) return;
          if (e.code === 'disconnected') return;
          if (e.code === 'unavailable' || e.code === 'rate_limited' || e.code === 'timeout') return this.retrySendsLater();
          if (!this.dropSend(p)) return;
          p.reject(e);
          this.emit('sendFailed', { clientId: p.data.clientId, op: p.op, error: e });
        },
      );
    }
  }

  /** Takes `p` off the queue and out of the outbox; false when it is already gone (close() rejected it). */
  private dropSend(p: PendingSend): boolean {
    const i = this.sends.indexOf(p);
    if (i >= 0) this.sends.splice(i, 1);
    if (i >= 0) this.saved.dropSend(p.data.clientId);
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
            this.saved.forget(conv);
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

  /** A page of the user's conversations; the first page (no `before`) is kept in the cache (`cachedConversations`). */
  async conversations(limit?: number, before?: string): Promise<ResultData<'conv.list'>> {
    const r = await this.request('conv.list', { ...(limit !== undefined ? { limit } : {}), ...(before !== undefined ? { before } : {}) });
    if (before === undefined) this.saved.saveConversations(r.conversations);
    return r;
  }

  markRead(conv: string, seq: number): Promise<ResultData<'conv.read'>> {
    // A read covers delivery: no conv.delivered for what this read reports.
    this.deliveries?.read(conv, seq);
    return this.request('conv.read', { conv, seq });
  }

  /** Reports delivery up to `seq` (sent by the client itself unless `deliveryReceipts` is false). */
  markDelivered(conv: string, seq: number): Promise<ResultData<'conv.delivered'>> {
    return this.request('conv.delivered', { conv, seq });
  }

  /**
   * Closes the connection for good (no reconnect). Unacknowledged sends are rejected (`disconnected`)
   * but stay in the storage's outbox: a client started later on the same storage sends them.
   */
  close(): void {
    this.closedByUser = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.refreshTimer);
    clearTimeout(this.reconnectTimer);
    this.deliveries?.stop();
    this.unwatch?.();
    this.unwatch = undefined;
    this.retryTimer = undefined;
    void this.saved.flush();
    const ws = this.ws;
    if (ws) this.onClose(ws, 1000, 'client closed', true);
    for (const p of this.sends.splice(0)) p.reject(local('disconnected', 'client closed'));
    this.setState('closed');
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
    clearTimeout(p.timer);
    if (f.ok) p.resolve(f.data);
    else p.reject(new WarblerRequestError(f.error!));
  }

  /** The connection `ws` closed (or the client closes it: `own`); later events of that socket are ignored. */
  private onClose(ws: WebSocketLike, code: number, reason: string, own = false): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    if (own) ws.close(1000, reason);
    this.authed = false;
    for (const [, p] of this.requests) {
      clearTimeout(p.timer);
      p.reject(local('disconnected', `closed ${code}`));
    }
    this.requests.clear();
    for (const s of this.sends) s.inFlight = false;
    const again = !this.closedByUser && (this.opts.reconnect ?? true) && shouldReconnect(code) && this.token !== undefined;
    this.setState(again ? 'offline' : 'closed');
    this.emit('disconnected', { code, reason, reconnect: again });
    if (!this.closedByUser && !shouldReconnect(code)) this.lost(code);
    if (again) this.scheduleReconnect();
  }

  /** The session is gone (revoked, expired, logged out elsewhere): forget the token, tell the app. */
  private lost(code: number | ErrorCode): void {
    this.token = undefined;
    clearTimeout(this.refreshTimer);
    void this.saved.saveSession(undefined);
    this.setState('closed');
    this.emit('authLost', { code });
  }

  private scheduleReconnect(): void {
    const [first, max] = this.opts.backoffMs ?? [100, 5000];
    const delay = Math.min(max, first * 2 ** Math.min(this.attempts++, 16)) * (0.5 + Math.random() / 2);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.reconnectOnce(), delay);
  }

  private async reconnectOnce(): Promise<void> {
    clearTimeout(this.reconnectTimer);
    if (this.closedByUser || this.reconnecting || this.authed) return;
    // No network (the browser says so): wait for its `online` event.
    if (networkDown()) return this.setState('offline');
    this.reconnecting = true;
    try {
      if (!this.connected) await this.connect();
      await this.resume(this.token);
      this.emit('reconnected', undefined);
    } catch (e) {
      if (e instanceof WarblerRequestError && (e.code === 'token_invalid' || e.code === 'token_expired')) {
        // Another client on the same storage (another tab) may have rotated the token: try that one.
        const s = await this.saved.session();
        if (s?.token && s.token !== this.token) {
          this.useSession(s);
          return this.scheduleReconnect();
        }
        this.lost(e.code);
        if (this.ws) this.onClose(this.ws, 1000, 'auth lost', true);
        return;
      }
      if (this.closedByUser) return;
      // A failed attempt whose socket never opened gets no close event: schedule the next one here.
      if (!this.connected) this.scheduleReconnect();
      else if (e instanceof WarblerRequestError && e.code === 'timeout') this.onClose(this.ws!, 1006, 'no answer', true);
    } finally {
      this.reconnecting = false;
    }
  }
}
