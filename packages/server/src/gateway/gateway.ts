import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { ServerContext } from '../ops/context.js';
import { Session } from '../session/session.js';
import { clientIp, proxySet } from './client-ip.js';
import { IpConnections } from './ip-connections.js';
import { InboundScheduler, type InboundConn } from './inbound.js';

interface Conn extends InboundConn {
  ws: WebSocket;
  /** The connection's TCP socket (the one `ws` writes to). */
  socket: Duplex;
  session: Session;
  /** Writes are held (corked) until the end of this event-loop turn. */
  corked: boolean;
}

/**
 * Most milliseconds one turn of the event loop spends handling frames before the rest waits for a
 * later turn (see InboundScheduler); the write batches have a budget of their own.
 */
const READ_BUDGET_MS = 20;
/** While the writes are behind, corked socket writes go out at most this often (see `uncorkAll`). */
const SATURATED_UNCORK_MS = 100;

const TEXT = { binary: false } as const;

/**
 * The WebSocket bytes of a server text frame (unmasked, unfragmented): the header, then the UTF-8
 * text. Made once for a push to many connections.
 */
export function wsTextFrame(text: string): Buffer {
  const len = Buffer.byteLength(text);
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const b = Buffer.allocUnsafe(head + len);
  b[0] = 0x81; // FIN, text
  if (head === 2) b[1] = len;
  else if (head === 4) {
    b[1] = 126;
    b.writeUInt16BE(len, 2);
  } else {
    b[1] = 127;
    b.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    b.writeUInt32BE(len >>> 0, 6);
  }
  b.write(text, head, 'utf8');
  return b;
}

/**
 * True when a browser's `Origin` names the host the request was sent to (the page was served by this
 * server, or by the proxy in front of it that forwards `Host`). The scheme is not compared: behind a TLS
 * proxy the page is https and the request reaches the server as http.
 */
export function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false; // 'null' (a sandboxed page or a file) and anything unparsable
  }
}

/** Resolves after at least one poll phase of the event loop, so data already received has been read. */
const ioTurn = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

/**
 * The WebSocket gateway: upgrade on the configured path with origin and size limits, no compression,
 * a bounded send buffer per connection, and one sweep timer for heartbeats and timeouts of all
 * connections. Knows frames and bytes; hands text to a Session.
 */
export class Gateway {
  private readonly wss: WebSocketServer;
  private readonly conns = new Set<Conn>();
  private readonly sweepTimer: NodeJS.Timeout;
  private accepting = true;
  /** Text and binary frames received, all connections. */
  private framesIn = 0;
  /** Frames sent, all connections (a shared push counts once per socket). */
  private framesOut = 0;
  /** TCP bytes of the connections already closed (the open ones are read from their sockets when scraped). */
  private closedBytesIn = 0;
  private closedBytesOut = 0;
  /** Connections whose writes are held until the end of this event-loop turn (see `cork`). */
  private corkedConns: Conn[] = [];
  private uncorkScheduled = false;
  private readonly perIp: IpConnections;
  private readonly proxies: ReadonlySet<string>;
  private lastUncork = 0;
  /** Bounds the frames handled per turn and stops reading while the writes are behind. */
  private readonly inbound: InboundScheduler;

  constructor(
    private readonly http: Server,
    private readonly ctx: ServerContext,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: config.gateway.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.perIp = new IpConnections(config.gateway.maxConnectionsPerIp);
    this.proxies = proxySet(config.server.trustedProxies);
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    const g = config.gateway;
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(50, Math.min(g.heartbeatMs, g.authTimeoutMs) / 2));
    this.sweepTimer.unref();
    this.inbound = new InboundScheduler(READ_BUDGET_MS, ctx.writes);
    metrics.connections.read = () => this.size;
    metrics.inboundWaiting.read = () => this.inbound.waitingConnections;
    metrics.wsFramesIn.read = () => this.framesIn;
    metrics.wsFramesOut.read = () => this.framesOut;
    metrics.wsBytesIn.read = () => this.bytes('bytesRead', this.closedBytesIn);
    metrics.wsBytesOut.read = () => this.bytes('bytesWritten', this.closedBytesOut);
  }

  get size(): number {
    return this.conns.size;
  }

  /** Bytes of every connection so far, read when scraped (nothing is counted per frame). */
  private bytes(field: 'bytesRead' | 'bytesWritten', closed: number): number {
    let n = closed;
    for (const c of this.conns) n += (c.socket as Socket)[field];
    return n;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (path !== this.config.gateway.path) return reject(404, 'Not Found');
    if (!this.accepting) return reject(503, 'Service Unavailable');
    const origin = req.headers.origin;
    const allowed = this.config.server.allowedOrigins;
    if (origin !== undefined && !allowed.includes('*') && !allowed.includes(origin) && !sameOrigin(origin, req.headers.host))
      return reject(403, 'Forbidden');
    const ip = clientIp(req, this.proxies);
    if (!this.perIp.tryAdd(ip)) return reject(429, 'Too Many Requests');
    socket.once('close', () => this.perIp.remove(ip));
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, socket, ip));
  }

  /**
   * Holds `c`'s writes until the end of this event-loop turn, so that everything it is sent in one turn
   * (the pushes of a whole write batch, the acks) leaves in one `writev` instead of one syscall each.
   */
  private cork(c: Conn): void {
    if (c.corked) return;
    c.corked = true;
    c.socket.cork();
    this.corkedConns.push(c);
    if (!this.uncorkScheduled) {
      this.uncorkScheduled = true;
      setImmediate(this.uncorkAll);
    }
  }

  private readonly uncorkAll = (): void => {
    // Saturated (the writes are behind): hold the writes a little longer, so each socket's writev
    // carries several frames; /healthz and the other HTTP answers are not held.
    const wait = this.lastUncork + SATURATED_UNCORK_MS - performance.now();
    if (wait > 0 && this.ctx.writes.behind) {
      setTimeout(this.uncorkAll, wait);
      return;
    }
    this.uncorkScheduled = false;
    this.lastUncork = performance.now();
    const list = this.corkedConns;
    this.corkedConns = [];
    for (const c of list) {
      c.corked = false;
      c.socket.uncork();
    }
  };

  private accept(ws: WebSocket, socket: Duplex, ip: string): void {
    const max = this.config.gateway.maxBufferedBytes;
    const full = () => {
      if (ws.bufferedAmount > max) {
        this.metrics.slowConsumers.inc();
        session.end('slow_consumer');
      }
    };
    const session = new Session(
      {
        send: (text) => {
          if (ws.readyState !== 1) return;
          this.cork(conn);
          this.framesOut++;
          ws.send(text, TEXT);
          full();
        },
        // The same bytes for every recipient, written as they are: ws would frame (and encode) them per socket.
        // Safe beside ws's own writes: compression is off, so ws never queues a frame behind ours.
        sendShared: (frame) => {
          if (ws.readyState !== 1) return;
          this.cork(conn);
          this.framesOut++;
          socket.write((frame.wire ??= wsTextFrame(frame.text)));
          full();
        },
        close: (code, reason) => ws.close(code, reason),
        ip,
      },
      this.ctx,
    );
    const conn: Conn = {
      ws,
      socket,
      session,
      corked: false,
      backlog: [],
      paused: false,
      handle: (text) => (text === null ? session.onBinary() : session.onText(text)),
      pause: () => ws.pause(),
      resume: () => ws.resume(),
      get open() {
        return ws.readyState === 1;
      },
    };
    this.conns.add(conn);
    this.metrics.connectionsOpened.inc();
    ws.on('message', (data: RawData, isBinary: boolean) => {
      this.framesIn++;
      this.inbound.frame(conn, isBinary ? null : data.toString());
    });
    ws.on('pong', () => session.touch());
    ws.on('error', (err) => this.logger.debug('socket error', { conn: session.connId, err }));
    ws.on('close', () => {
      this.conns.delete(conn);
      this.closedBytesIn += (socket as Socket).bytesRead;
      this.closedBytesOut += (socket as Socket).bytesWritten;
      session.onClosed();
    });
  }

  /** One pass over every connection: auth timeout, idle timeout, heartbeat ping. */
  private sweep(): void {
    const now = Date.now();
    const g = this.config.gateway;
    for (const c of this.conns) {
      const { ws, session } = c;
      // Not read from on purpose (the writes are behind): its pongs wait unread, it is not idle.
      if (c.paused) session.touch(now);
      const idle = now - session.lastSeen;
      if (!session.authenticated && now - session.openedAt > g.authTimeoutMs) session.end('auth_timeout');
      else if (idle > g.idleTimeoutMs) {
        session.end('idle_timeout');
        ws.terminate();
      } else if (idle > g.heartbeatMs && ws.readyState === 1) ws.ping();
    }
  }

  /** Stops taking new connections. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /**
   * Reads and answers the frames already received, then closes every connection with the reconnect
   * code; waits up to `timeoutMs`, then cuts off the rest.
   */
  async closeAll(timeoutMs: number): Promise<void> {
    clearInterval(this.sweepTimer);
    // Frames already on their way are read and answered first (the server is draining: `unavailable`),
    // until a turn of the event loop brings none: after a close frame no answer may be sent.
    const deadline = Date.now() + timeoutMs;
    for (let seen = -1, turns = 0; seen !== this.framesIn && turns < 20 && Date.now() < deadline; turns++) {
      seen = this.framesIn;
      this.inbound.flushAll();
      await ioTurn();
    }
    this.inbound.flushAll();
    const waits = [...this.conns].map(
      ({ ws, session }) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === 3) return resolve();
          ws.once('close', () => resolve());
          session.end('server_shutdown');
        }),
    );
    const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([Promise.all(waits), timer]);
    for (const { ws } of this.conns) ws.terminate();
    this.wss.close();
  }
}
