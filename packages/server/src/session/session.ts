import { CLOSE_CODES, errorBody, type CloseName, type ErrorCode, type Op, type RequestFrame, type RequestId } from '@warbler/protocol';
import { parseRequest, PUBLIC_OPS } from '@warbler/protocol/schemas';
import type { Connection, SharedFrame } from '../connections/connection.js';
import type { RequestContext } from '../connections/request.js';
import { WarblerError } from '../errors.js';
import type { ServerContext } from '../ops/context.js';
import type { OpCall } from '../ops/handler.js';
import { HANDLERS } from '../ops/index.js';
import type { Identity } from '../services/accounts.js';

/** What a session needs of its connection; the gateway adapts a WebSocket to it. */
export interface Transport {
  /** Writes one text frame; the transport closes the connection itself when its buffer is full. */
  send(text: string): void;
  /** Writes a frame that goes to many connections; like `send`, but its bytes are made once (see SharedFrame). */
  sendShared(frame: SharedFrame): void;
  close(code: number, reason: string): void;
  /** The client's address as per-IP limits key it (see gateway/client-ip.ts). */
  readonly ip: string;
}

let nextConn = 0;
const AUTH_OPS: readonly Op[] = ['auth.register', 'auth.login', 'auth.resume'];

/**
 * One per connection: handshake, authentication state, frame validation, rate limit, dispatch to
 * the op handlers, and the reply that echoes the request id. Knows nothing of sockets. Handlers see it
 * as an OpCall, services as a RequestContext (`caller`), the hub as a Connection.
 */
export class Session implements OpCall, Connection {
  readonly connId = `c${++nextConn}`;
  readonly openedAt = Date.now();
  lastSeen = this.openedAt;
  helloDone = false;
  identity: Identity | undefined;
  /** Made once, when the connection authenticates: what services get of every request on it. */
  private request: RequestContext | undefined;
  closed = false;
  private authPending = false;
  private tokens: number;
  private refilledAt = this.openedAt;
  private orderTail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly transport: Transport,
    readonly ctx: ServerContext,
  ) {
    this.tokens = ctx.config.gateway.framesBurst;
  }

  get authenticated(): boolean {
    return this.identity !== undefined;
  }

  /** The client's address as per-IP limits key it; the audit log records the same. */
  get ip(): string {
    return this.transport.ip;
  }

  /** The authenticated user and device; handlers of non-public ops may rely on it. */
  get me(): Identity {
    if (!this.identity) throw new WarblerError('unauthorized');
    return this.identity;
  }

  get caller(): RequestContext {
    if (!this.request) throw new WarblerError('unauthorized');
    return this.request;
  }

  get userId(): number {
    return this.me.user.id;
  }

  get deviceId(): number {
    return this.me.deviceId;
  }

  touch(now = Date.now()): void {
    this.lastSeen = now;
  }

  /** Handles one text frame from the client. */
  onText(text: string): void {
    const now = Date.now();
    this.lastSeen = now;
    this.ctx.metrics.framesIn.inc();
    const parsed = parseRequest(text);
    // Every frame counts against the rate limit, a malformed one too.
    if (!this.takeToken(now)) return this.rateLimited(parsed.ok ? parsed.frame.id : parsed.id);
    if (!parsed.ok) return this.fail(parsed.id, parsed.code, parsed.message);
    const frame = parsed.frame;
    const denied = this.gate(frame.op);
    if (denied) return this.fail(frame.id, denied);
    void this.dispatch(frame, now);
  }

  /** Frames are JSON text; a binary frame is answered and otherwise ignored. */
  onBinary(): void {
    const now = Date.now();
    this.lastSeen = now;
    if (!this.takeToken(now)) return this.rateLimited(null);
    this.fail(null, 'invalid_frame', 'binary frames are not supported; send JSON text');
  }

  private rateLimited(id: RequestId | null): void {
    this.fail(id, 'rate_limited', `more than ${this.ctx.config.gateway.framesPerSecond} frames per second`);
  }

  /** Which error, if any, the connection's state gives this op. */
  private gate(op: Op): ErrorCode | undefined {
    if (this.ctx.draining && op !== 'ping') return 'unavailable';
    if (!this.helloDone) return op === 'hello' || op === 'ping' ? undefined : 'hello_required';
    if (AUTH_OPS.includes(op)) return this.identity || this.authPending ? 'already_authenticated' : undefined;
    if (!this.identity && !PUBLIC_OPS.includes(op)) return 'unauthorized';
    return undefined;
  }

  private takeToken(now: number): boolean {
    const { framesPerSecond, framesBurst } = this.ctx.config.gateway;
    this.tokens = Math.min(framesBurst, this.tokens + ((now - this.refilledAt) * framesPerSecond) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private async dispatch(frame: RequestFrame, startedAt: number): Promise<void> {
    const handler = HANDLERS[frame.op] as (s: OpCall, data: unknown) => Promise<unknown>;
    const isAuth = AUTH_OPS.includes(frame.op);
    if (isAuth) this.authPending = true;
    const t0 = performance.now();
    try {
      const result = await handler(this, frame.data);
      if (frame.op === 'msg.send') this.ctx.metrics.ackLatency.observe((Date.now() - startedAt) / 1000);
      this.reply(frame.id, result);
    } catch (e) {
      if (e instanceof WarblerError) this.fail(frame.id, e.code, e.detail);
      else {
        this.ctx.logger.error('request failed', { op: frame.op, err: e });
        this.fail(frame.id, this.ctx.draining ? 'unavailable' : 'internal');
      }
    } finally {
      this.ctx.metrics.opLatency.observe(frame.op, (performance.now() - t0) / 1000);
      if (isAuth) this.authPending = false;
    }
  }

  private reply(id: RequestId, data: unknown): void {
    if (this.closed) return;
    this.transport.send(`{"id":${JSON.stringify(id)},"ok":true,"data":${JSON.stringify(data)}}`);
  }

  private fail(id: RequestId | null, code: ErrorCode, message?: string): void {
    this.ctx.metrics.errors.inc(1, code);
    if (this.closed) return;
    this.transport.send(JSON.stringify({ id, ok: false, error: errorBody(code, message) }));
  }

  /** Writes an already-serialized event frame (the same object for every recipient). */
  push(frame: SharedFrame): void {
    if (!this.closed) this.transport.sendShared(frame);
  }

  /**
   * Runs `step` after the previous ordered step of this connection has settled, so work that may
   * wait (a send's validation) still finishes in arrival order. Callers continue in that order too.
   */
  ordered<T>(step: () => Promise<T>): Promise<T> {
    const run = this.orderTail.then(step);
    this.orderTail = run.catch(() => undefined);
    return run;
  }

  /** Marks the connection authenticated and registers it for pushes. */
  authenticate(identity: Identity): void {
    this.identity = identity;
    this.request = { userId: identity.user.id, deviceId: identity.deviceId, connId: this.connId, ip: this.transport.ip };
    this.ctx.hub.add(this);
    this.ctx.hooks.connectionOpened(this);
  }

  /** Closes the connection with a close code from the table. */
  end(name: CloseName): void {
    if (this.closed) return;
    const c = CLOSE_CODES[name];
    this.transport.close(c.code, c.reason);
    this.onClosed();
  }

  /** The connection is gone: stop pushing to it. */
  onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.identity) return;
    this.ctx.hub.remove(this);
    this.ctx.hooks.connectionClosed(this);
  }
}
