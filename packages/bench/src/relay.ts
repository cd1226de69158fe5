import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { directConvId, LIMITS, PROTOCOL_VERSION } from '@warbler/protocol';
import { WebSocketServer, type WebSocket } from 'ws';

/** A request frame as the relay reads it. */
interface Req {
  id?: number | string;
  op?: string;
  data?: Record<string, unknown>;
}

/** A conversation as the relay keeps it: a sequence counter, its members, and its entries for sync. */
interface Conv {
  seq: number;
  members: number[];
  /** The `data` JSON of entry seq at index seq - 1. */
  log: string[];
}

interface Conn {
  ws: WebSocket;
  user: number;
}

const TOKEN = /^relay:(\d{1,15})$/;
const MAX_BODY = 1024 * 1024;

/**
 * The bare relay: the benchmark's fixed reference, run as the server under test (`--against relay`)
 * so every figure can carry this hour's relay figure next to it (the machine's speed drifts by up to
 * 2× between hours; a slow hour slows both, a slow build only Warbler).
 *
 * It speaks just enough of the protocol for the bench's scenarios, over `ws`, in one process: `hello`;
 * `auth.resume` with a trivial token (`relay:<user id>`) and `auth.login` (any password); the admin
 * API's bulk user creation (`POST /api/admin/users`, answering such tokens); `msg.send` (a sequence per
 * conversation, the ack at once, the push to the other members' sockets in the server's layout);
 * `conv.delivered`, `conv.read` (answered, a `receipt` event to a one-to-one peer); `typing` (pushed to
 * the other members); `msg.history` and `conv.list` answering empty; `sync` from the entries it keeps in
 * memory (so a client that was offline catches up, as the exactly-once check needs); `group.create` and
 * `group.add` (membership in memory); `ping`; `/healthz` and `/metrics`. It writes nothing to disk and
 * checks nothing: no limits, no permissions, no durability. What it costs per message is the floor of
 * parsing, routing and socket writes on this machine.
 */
export class Relay {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Map<number, Set<WebSocket>>();
  private readonly convs = new Map<string, Conv>();
  private readonly userConvs = new Map<number, Set<string>>();
  /** Acks by sender and clientId, so a resent message is not relayed twice. */
  private readonly acks = new Map<string, string>();
  /** Delivery and read cursors by conversation, user and kind, so a receipt goes out only when one moves. */
  private readonly cursors = new Map<string, number>();
  private readonly logins = new Map<string, number>();
  private nextUser = 1;
  private nextMessage = 1;
  private nextGroup = 1;

  constructor() {
    this.http = createServer((req, res) => this.onHttp(req, res));
    this.wss = new WebSocketServer({ server: this.http, path: '/ws', perMessageDeflate: false, maxPayload: LIMITS.maxFrameBytes });
    this.wss.on('connection', (ws) => {
      const conn: Conn = { ws, user: 0 };
      ws.on('message', (d: Buffer, binary: boolean) => {
        if (!binary) this.onFrame(conn, d.toString());
      });
      ws.on('close', () => this.sockets.get(conn.user)?.delete(ws));
      ws.on('error', () => undefined);
    });
  }

  /** Listens; resolves with the port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen({ port, host, backlog: 4096 }, () => resolve((this.http.address() as AddressInfo).port));
    });
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await new Promise<void>((r) => this.http.close(() => r()));
  }

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (path === '/healthz') return send(200, '{"status":"ok"}');
    if (path === '/metrics') {
      const u = process.cpuUsage();
      return send(200, `process_cpu_seconds_total ${(u.user + u.system) / 1e6}\n`, 'text/plain');
    }
    if (path !== '/api/admin/users' || req.method !== 'POST') return send(404, '{"error":{"code":"not_found"}}');
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
      if (body.length > MAX_BODY) req.destroy();
    });
    req.on('end', () => {
      let users: { username?: string }[];
      try {
        users = (JSON.parse(body) as { users: { username?: string }[] }).users;
        if (!Array.isArray(users)) throw new Error('no users');
      } catch {
        return send(400, '{"error":{"code":"invalid_body"}}');
      }
      const out = users.map((u) => {
        const id = this.nextUser++;
        return { id, username: u.username ?? `u${id}`, token: `relay:${id}` };
      });
      send(200, JSON.stringify({ users: out }));
    });
  }

  private onFrame(c: Conn, text: string): void {
    let f: Req;
    try {
      f = JSON.parse(text) as Req;
    } catch {
      return;
    }
    const id = typeof f.id === 'number' || typeof f.id === 'string' ? f.id : null;
    const d = f.data ?? {};
    const ok = (data: string) => c.ws.send(`{"id":${JSON.stringify(id)},"ok":true,"data":${data}}`);
    const fail = (code: string) => c.ws.send(`{"id":${JSON.stringify(id)},"ok":false,"error":{"code":"${code}","status":400}}`);
    if (f.op === 'hello')
      return ok(JSON.stringify({ protocol: PROTOCOL_VERSION, server: 'warbler-bench relay', heartbeatMs: 30000, limits: LIMITS }));
    if (f.op === 'ping') return ok('{}');
    if (f.op === 'auth.resume' || f.op === 'auth.login') {
      let user: number;
      if (f.op === 'auth.login') {
        const name = String(d.username ?? '');
        user = this.logins.get(name) ?? this.nextUser++;
        this.logins.set(name, user);
      } else {
        const m = TOKEN.exec(String(d.token ?? ''));
        if (!m) return fail('token_invalid');
        user = Number(m[1]);
      }
      c.user = user;
      let set = this.sockets.get(user);
      if (!set) this.sockets.set(user, (set = new Set()));
      set.add(c.ws);
      const u = { id: user, username: `u${user}`, displayName: `u${user}` };
      return ok(JSON.stringify({ user: u, deviceId: user, token: `relay:${user}`, expiresAt: Date.now() + 86_400_000 }));
    }
    if (c.user === 0) return fail('unauthorized');
    switch (f.op) {
      case 'msg.send':
        return this.send(c, d, ok, fail);
      case 'conv.delivered':
      case 'conv.read': {
        const conv = String(d.conv);
        const seq = Number(d.seq);
        const kind = f.op === 'conv.read' ? 'read' : 'delivered';
        const key = `${conv}\u0000${c.user}\u0000${kind}`;
        const before = this.cursors.get(key) ?? 0;
        const now = Math.max(before, seq);
        this.cursors.set(key, now);
        ok(
          kind === 'read' ? `{"conv":${JSON.stringify(conv)},"readSeq":${now}}` : `{"conv":${JSON.stringify(conv)},"deliveredSeq":${now}}`,
        );
        const members = this.convs.get(conv)?.members;
        if (now > before && conv.startsWith('d:') && members)
          this.push(members, c.ws, `{"ev":"receipt","data":{"conv":${JSON.stringify(conv)},"user":${c.user},"${kind}":${now}}}`, c.user);
        return;
      }
      case 'typing': {
        const conv = String(d.conv);
        ok('{}');
        const members = this.convs.get(conv)?.members;
        if (members)
          this.push(
            members,
            c.ws,
            `{"ev":"typing","data":{"conv":${JSON.stringify(conv)},"user":${c.user},"typing":${d.typing === true}}}`,
            c.user,
          );
        return;
      }
      case 'msg.history':
        return ok('{"messages":[],"more":false}');
      case 'conv.list':
        return ok('{"conversations":[],"more":false}');
      case 'sync':
        return ok(this.sync(c.user, (d.cursors ?? {}) as Record<string, number>, Number(d.limit ?? LIMITS.defaultPage)));
      case 'group.create': {
        const conv = `g:${this.nextGroup++}`;
        const members = [c.user, ...((d.members ?? []) as number[]).filter((u) => u !== c.user)];
        this.convs.set(conv, { seq: 0, members, log: [] });
        for (const u of members) this.memberOf(u, conv);
        return ok(JSON.stringify({ group: { conv, name: d.name, memberCount: members.length, role: 'owner' } }));
      }
      case 'group.add': {
        const g = this.convs.get(String(d.conv));
        if (!g) return fail('conversation_not_found');
        for (const u of (d.users ?? []) as number[])
          if (!g.members.includes(u)) {
            g.members.push(u);
            this.memberOf(u, String(d.conv));
          }
        return ok('{}');
      }
      default:
        return fail('unknown_op');
    }
  }

  private send(c: Conn, d: Record<string, unknown>, ok: (data: string) => void, fail: (code: string) => void): void {
    const clientId = String(d.clientId ?? '');
    const dedup = `${c.user}\u0000${clientId}`;
    const earlier = this.acks.get(dedup);
    if (earlier) return ok(earlier.replace('"duplicate":false', '"duplicate":true'));
    let convId: string;
    let conv: Conv | undefined;
    if (typeof d.to === 'number') {
      convId = directConvId(c.user, d.to);
      conv = this.convs.get(convId);
      if (!conv) {
        conv = { seq: 0, members: c.user === d.to ? [c.user] : [c.user, d.to], log: [] };
        this.convs.set(convId, conv);
        for (const u of conv.members) this.memberOf(u, convId);
      }
    } else {
      convId = String(d.conv);
      conv = this.convs.get(convId);
      if (!conv) return fail('conversation_not_found');
    }
    const seq = ++conv.seq;
    const id = this.nextMessage++;
    const ts = Date.now();
    const cid = JSON.stringify(clientId);
    const conv$ = JSON.stringify(convId);
    // The server's push layout (packages/bench/src/push-scan.ts reads it).
    const data = `{"id":${id},"conv":${conv$},"seq":${seq},"from":${c.user},"clientId":${cid},"ts":${ts},"kind":"text","text":${JSON.stringify(String(d.text ?? ''))}}`;
    conv.log.push(data);
    const ack = `{"id":${id},"conv":${conv$},"seq":${seq},"ts":${ts},"clientId":${cid},"duplicate":false}`;
    this.acks.set(dedup, ack);
    ok(ack);
    this.push(conv.members, c.ws, `{"ev":"msg","data":${data}}`);
  }

  /** Writes `frame` to every socket of `members` but `except` (and, with `skipUser`, none of that user's). */
  private push(members: number[], except: WebSocket, frame: string, skipUser?: number): void {
    for (const u of members) {
      if (u === skipUser) continue;
      const set = this.sockets.get(u);
      if (set) for (const ws of set) if (ws !== except) ws.send(frame);
    }
  }

  private memberOf(user: number, conv: string): void {
    let s = this.userConvs.get(user);
    if (!s) this.userConvs.set(user, (s = new Set()));
    s.add(conv);
  }

  /** The user's entries after the cursors, conversation by conversation, at most `limit`. */
  private sync(user: number, cursors: Record<string, number>, limit: number): string {
    const parts: string[] = [];
    let more = false;
    for (const conv of this.userConvs.get(user) ?? []) {
      const log = this.convs.get(conv)!.log;
      for (let s = cursors[conv] ?? 0; s < log.length; s++) {
        if (parts.length >= limit) {
          more = true;
          break;
        }
        parts.push(log[s]!);
      }
      if (more) break;
    }
    return `{"messages":[${parts.join(',')}],"more":${more}}`;
  }
}
