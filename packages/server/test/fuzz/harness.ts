/**
 * Runs fuzz commands against a real server over real WebSockets and checks the server's promises after
 * every step:
 * - every request gets exactly one answer, with a registered error code and its status, never `internal`;
 * - a request answered with an error changed nothing that is stored (a fingerprint of the tables);
 * - a connection is closed only with a code the docs give for what happened (1009 after a frame over
 *   the size limit, 1007 after text that is not UTF-8, 4102 after a hello of another version, 4100 after
 *   a logout of its device, 4101 after its device was revoked);
 * - every ack names the stored entry; pushes come in sequence order per conversation; every
 *   conversation's sequence stays gapless; nothing sent carries a lone surrogate;
 * - the server stays up (health check) and nothing is thrown outside a request.
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { ERRORS, LIMITS, illFormedString, isErrorCode, mayHoldLoneSurrogate, type Op } from '@warbler/protocol';
import { parseRequest } from '@warbler/protocol/schemas';
import { createLogger, loadConfig, startServer, type Config, type WarblerServer } from '../../src/index.js';
import { tempDir } from '../helpers.js';
import type { Command, Edit, Ref } from './commands.js';
import { PROTOTYPE_NAMES, serializeFrame } from './values.js';

/** Answers seen per op: `ok`, or the error code; what a long run prints to show how deep it got. */
export type FuzzStats = Map<string, Map<string, number>>;

/** A property the server broke; the message says which and how. */
export class FuzzFailure extends Error {
  override name = 'FuzzFailure';
}

type Json = Record<string, unknown>;
const PASSWORD = 'fuzz-password-1';
const RESPONSE_TIMEOUT_MS = 5000;
/** Tables a failed request must leave as they were (columns that change by themselves left out). */
const FINGERPRINT = [
  'SELECT id, username, display_name, password_hash, is_admin, avatar, bio, friend_policy, presence_privacy FROM users ORDER BY id',
  'SELECT id, user_id, name, token_hash, expires_at, revoked_at FROM devices ORDER BY id',
  'SELECT * FROM conversations ORDER BY id',
  'SELECT * FROM members ORDER BY conv_id, user_id',
  'SELECT * FROM messages ORDER BY id',
  'SELECT * FROM hidden_messages ORDER BY user_id, conv_id, seq',
  'SELECT * FROM chat_groups ORDER BY id',
  'SELECT * FROM group_requests ORDER BY group_id, user_id',
  'SELECT * FROM friendships ORDER BY user_id, friend_id',
  'SELECT * FROM friend_requests ORDER BY from_id, to_id',
  'SELECT * FROM blocks ORDER BY blocker_id, blocked_id',
  'SELECT * FROM message_copies ORDER BY conv_id, target_seq, seq',
];

interface Closed {
  code: number;
  reason: string;
}

/** One client connection and what the harness knows of it. */
class Conn {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  closed: Closed | undefined;
  /** Close codes the docs give for what this connection did or had done to it. */
  readonly allowedCloses = new Set<number>();
  user: { id: number; deviceId: number; token: string } | undefined;
  private readonly waiters = new Map<string, (f: Json | Closed) => void>();
  private readonly lastPushed = new Map<string, number>();

  constructor(
    url: string,
    private readonly h: Harness,
  ) {
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.on('error', () => undefined);
    this.ws.on('message', (d, binary) => this.onMessage(d.toString(), binary));
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of [...this.waiters.values()]) w(this.closed);
      this.waiters.clear();
    });
  }

  private onMessage(text: string, binary: boolean): void {
    if (binary) return this.h.fail(`server sent a binary frame`);
    let f: Json;
    try {
      f = JSON.parse(text) as Json;
    } catch {
      return this.h.fail(`server sent text that is not JSON: ${text.slice(0, 200)}`);
    }
    if (mayHoldLoneSurrogate(text)) {
      const bad = illFormedString(f, 'frame');
      if (bad) this.h.fail(`server sent a lone surrogate at ${bad.path}: ${text.slice(0, 300)}`);
    }
    if (f.ok === false) {
      const e = f.error as { code?: unknown; status?: unknown } | undefined;
      if (!e || !isErrorCode(e.code) || ERRORS[e.code].status !== e.status) this.h.fail(`unregistered error: ${text.slice(0, 300)}`);
      else if (e.code === 'internal') this.h.fail(`internal error: ${text.slice(0, 300)}`);
    }
    if (f.ev === 'msg') {
      const m = f.data as { conv: string; seq: number };
      const last = this.lastPushed.get(m.conv) ?? 0;
      if (m.seq <= last) this.h.fail(`push of ${m.conv} seq ${m.seq} after seq ${last} on one connection`);
      this.lastPushed.set(m.conv, m.seq);
    }
    if (f.ev === undefined) {
      const key = JSON.stringify(f.id ?? null);
      const w = this.waiters.get(key);
      if (w) {
        this.waiters.delete(key);
        w(f);
      } else this.h.stray.push(f);
    }
  }

  /** Resolves with the next answer whose id is `id` (null included), or the close. */
  answer(id: unknown): Promise<Json | Closed> {
    if (this.closed) return Promise.resolve(this.closed);
    const key = JSON.stringify(id ?? null);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new FuzzFailure(`no answer to the request with id ${key} within ${RESPONSE_TIMEOUT_MS} ms`)),
        RESPONSE_TIMEOUT_MS,
      );
      this.waiters.set(key, (f) => {
        clearTimeout(timer);
        resolve(f);
      });
    });
  }

  send(data: string | Buffer, binary = false): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data, { binary });
  }
}

const isClosed = (f: Json | Closed): f is Closed => typeof (f as Closed).code === 'number' && (f as Json).ok === undefined;

/** A server, its database (read-only, beside it) and the connections of a fuzz run. */
class Harness {
  readonly failures: string[] = [];
  readonly stray: Json[] = [];
  readonly log: string[] = [];
  conns: Conn[] = [];
  private readonly passwords = new Map<number, { username: string; password: string }>();
  private readonly clientIds = new Map<number, string[]>();
  private readonly tokens: string[] = [];
  private nextId = 1;
  private nextClientId = 1;
  private print = '';

  stats: FuzzStats = new Map();

  private constructor(
    public server: WarblerServer,
    private readonly config: Config,
    readonly db: Database.Database,
    /** Lines the server logged at level error: none is expected. */
    private readonly errorLogs: string[],
  ) {}

  static async start(): Promise<Harness> {
    const config = loadConfig({
      overrides: {
        dataDir: tempDir('warbler-fuzz-'),
        server: { port: 0, host: '127.0.0.1', shutdownTimeoutMs: 200 },
        admin: { port: 0 },
        // Open registration: the steps make their users over the protocol (invites have their own tests).
        auth: { scryptCost: 1024, registration: 'open' },
        store: { sqlite: { synchronous: 'normal' } },
        // No rate limit in the way of the steps, no auth timeout during a run.
        gateway: { framesPerSecond: 1_000_000, framesBurst: 1_000_000, authTimeoutMs: 600_000 },
        log: { level: 'error' },
      },
    });
    const errorLogs: string[] = [];
    const server = await startServer(
      config,
      createLogger('error', {}, (line) => errorLogs.push(line)),
    );
    const db = new Database(join(config.dataDir, config.store.sqlite.file), { readonly: true, fileMustExist: true });
    return new Harness(server, config, db, errorLogs);
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.ws.terminate();
    this.db.close();
    await this.server.stop();
    rmSync(this.config.dataDir, { recursive: true, force: true });
  }

  fail(what: string): void {
    this.failures.push(what);
  }

  /** Throws when a property broke so far. */
  check(): void {
    if (this.errorLogs.length > 0) this.fail(`the server logged errors:\n${this.errorLogs.join('').slice(0, 3000)}`);
    if (this.failures.length === 0) return;
    throw new FuzzFailure(`${this.failures.join('\n')}\n--- the run, last steps first:\n${this.log.slice(-25).reverse().join('\n')}`);
  }

  /** Three users (the first with a second device), an anonymous connection after hello, one before it. */
  async setup(): Promise<void> {
    const primaries: Conn[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await this.open();
      await this.request(c, 'hello', { protocol: 1 });
      const username = `fuzz${i}x${process.pid}`;
      const r = await this.request(c, 'auth.register', { username, password: PASSWORD });
      this.noteAuth(c, r, username, PASSWORD);
      primaries.push(c);
    }
    const second = await this.open();
    await this.request(second, 'hello', { protocol: 1 });
    this.noteAuth(second, await this.request(second, 'auth.login', { username: `fuzz0x${process.pid}`, password: PASSWORD }));
    const anon = await this.open();
    await this.request(anon, 'hello', { protocol: 1 });
    this.conns = [...primaries, second, anon, await this.open()];
    const [a, b, c] = primaries.map((p) => p.user!.id) as [number, number, number];
    // Something to act on from the first step: a one-to-one conversation and a group, with messages.
    await this.request(primaries[0]!, 'msg.send', { to: b, clientId: this.freshClientId(), text: 'hello' });
    const g = await this.request(primaries[0]!, 'group.create', { name: 'fuzz', members: [b, c] });
    const conv = ((g as Json).data as { group: { conv: string } }).group.conv;
    await this.request(primaries[1]!, 'msg.send', { conv, clientId: this.freshClientId(), text: 'hi all', mentions: [a] });
    await this.request(primaries[2]!, 'msg.send', { conv, clientId: this.freshClientId(), text: 'hi', replyTo: 2 });
    this.print = this.fingerprint();
    this.check();
  }

  private async open(): Promise<Conn> {
    const c = new Conn(this.server.wsUrl, this);
    await c.opened;
    return c;
  }

  private async request(c: Conn, op: string, data: unknown): Promise<Json | Closed> {
    const id = this.nextId++;
    const answer = c.answer(id);
    c.send(JSON.stringify({ id, op, data }));
    return answer;
  }

  private freshClientId(): string {
    return `fz${Date.now().toString(36)}-${this.nextClientId++}`;
  }

  /** Remembers who a connection is after a successful register, login or resume. */
  private noteAuth(c: Conn, r: Json | Closed, username?: string, password?: string): void {
    if (isClosed(r) || r.ok !== true) return;
    const d = r.data as { user: { id: number; username: string }; deviceId: number; token?: string };
    c.user = { id: d.user.id, deviceId: d.deviceId, token: d.token ?? c.user?.token ?? '' };
    if (d.token) this.tokens.push(d.token);
    if (username !== undefined && password !== undefined) this.passwords.set(d.user.id, { username: d.user.username, password });
  }

  /** What a failed request must not change: the stored tables, hashed. */
  fingerprint(): string {
    const hash = createHash('sha1');
    for (const sql of FINGERPRINT) for (const row of this.db.prepare(sql).iterate()) hash.update(JSON.stringify(row));
    return hash.digest('hex');
  }

  /** Every conversation's stored sequence is 1..lastSeq, each once. */
  checkGapless(): void {
    const rows = this.db
      .prepare(
        `SELECT c.id, c.last_seq AS last, COUNT(m.seq) AS n, COALESCE(MIN(m.seq), 0) AS lo, COALESCE(MAX(m.seq), 0) AS hi
         FROM conversations c LEFT JOIN messages m ON m.conv_id = c.id GROUP BY c.id`,
      )
      .all() as { id: string; last: number; n: number; lo: number; hi: number }[];
    for (const r of rows)
      if (r.n !== r.last || r.hi !== r.last || (r.last > 0 && r.lo !== 1))
        this.fail(`sequence of ${r.id} is not gapless: ${JSON.stringify(r)}`);
  }

  // -- resolving references against the live state ---------------------------------------------

  private candidates(kind: Ref['$ref'], c: Conn, conv: string | undefined): unknown[] {
    const me = c.user?.id;
    switch (kind) {
      case 'user':
        return [...(this.db.prepare('SELECT id FROM users ORDER BY id').pluck().all() as number[]), 9_999_999];
      case 'conv': {
        const ids = this.db.prepare('SELECT id FROM users ORDER BY id').pluck().all() as number[];
        const stored = this.db.prepare('SELECT id FROM conversations ORDER BY id').pluck().all() as string[];
        const mine = this.db
          .prepare('SELECT conv_id FROM members WHERE user_id = ? ORDER BY conv_id')
          .pluck()
          .all(me ?? 0) as string[];
        const direct = me === undefined ? [] : ids.map((u) => `d:${Math.min(u, me)}:${Math.max(u, me)}`);
        const all = [...new Set([...stored, ...direct, ...ids.map((u) => `u:${u}`), 'g:999999', 'd:1:9999999'])];
        // The user's own conversations three times as often: most actions need a conversation one is in.
        return [...mine, ...mine, ...mine, ...all];
      }
      case 'group':
        return [...(this.db.prepare('SELECT conv_id FROM chat_groups ORDER BY id').pluck().all() as string[]), 'g:999999'];
      case 'seq': {
        // 1 to two past the end (0 and other invalid ones come from wild frames).
        const last =
          conv === undefined
            ? 0
            : ((this.db.prepare('SELECT last_seq FROM conversations WHERE id = ?').pluck().get(conv) as number | undefined) ?? 0);
        return Array.from({ length: last + 2 }, (_, i) => i + 1);
      }
      case 'clientId':
        return [...(me === undefined ? [] : (this.clientIds.get(me) ?? []).slice(-3)), ...Array.from({ length: 6 }, () => '')];
      case 'device':
        return [
          ...(me === undefined ? [] : (this.db.prepare('SELECT id FROM devices WHERE user_id = ?').pluck().all(me) as number[])),
          999_999,
        ];
      case 'username':
        return [...(this.db.prepare('SELECT username FROM users ORDER BY id').pluck().all() as string[]), 'nobody-here'];
      case 'token':
        return [...this.tokens.slice(-4), 'wb1_not-a-token'];
      case 'emoji':
        return [...PROTOTYPE_NAMES, '👍', '❤️', '👨‍👩‍👧', 'a b', 'x'.repeat(32), ...Array.from({ length: 60 }, (_, i) => `e${i}`)];
    }
  }

  /** The template with its references filled in; `conv` of an object is resolved first, for its `seq`s. */
  resolve(t: unknown, c: Conn, conv?: string): unknown {
    if (Array.isArray(t)) return t.map((x) => this.resolve(x, c, conv));
    if (typeof t !== 'object' || t === null) return t;
    const o = t as Json;
    if (typeof o.$ref === 'string' && typeof o.i === 'number') {
      const list = this.candidates(o.$ref as Ref['$ref'], c, conv);
      const v = list[o.i % list.length];
      return v === '' ? this.freshClientId() : v;
    }
    if (Array.isArray(o.$cursors))
      return Object.fromEntries(
        (o.$cursors as [Ref, Ref][]).map(([cv, seq]) => {
          const id = this.resolve(cv, c) as string;
          return [id, this.resolve(seq, c, id)];
        }),
      );
    const own = Object.hasOwn(o, 'conv') ? this.resolve(o.conv, c) : undefined;
    const ctx = typeof own === 'string' ? own : conv;
    // Rebuilt with own properties, so a `__proto__` key stays a key.
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === 'conv' ? own : this.resolve(v, c, ctx)]));
  }

  // -- running commands ---------------------------------------------------------------------------

  async run(cmd: Command): Promise<void> {
    const c = this.conns[cmd.conn % this.conns.length]!;
    const before = this.print;
    let failedOnly = false;
    switch (cmd.t) {
      case 'op': {
        const data = this.resolve(cmd.data, c);
        const r = await this.sendFrame(c, cmd.op, data);
        failedOnly = r !== undefined && r.ok === false;
        break;
      }
      case 'burst': {
        const frames = cmd.frames.map((f) => {
          const on = this.conns[f.conn % this.conns.length]!;
          return { on, op: f.op, data: this.resolve(f.data, on) };
        });
        const rs = await Promise.all(frames.map((f) => this.sendFrame(f.on, f.op, f.data)));
        failedOnly = rs.every((r) => r !== undefined && r.ok === false);
        break;
      }
      case 'mutate': {
        const text = mutate(serializeFrame({ id: this.nextId++, op: cmd.op, data: this.resolve(cmd.data, c) }), cmd.edits);
        failedOnly = (await this.sendText(c, text))?.ok === false;
        break;
      }
      case 'text':
        failedOnly = (await this.sendText(c, cmd.text))?.ok === false;
        break;
      case 'bytes': {
        const bytes = Buffer.from(cmd.bytes);
        this.log.push(`${this.conns.indexOf(c)} bytes${cmd.binary ? ' (binary)' : ''} ${bytes.toString('hex')}`);
        if (cmd.binary) {
          const answer = c.answer(null);
          c.send(bytes, true);
          failedOnly = (await this.answered(c, answer))?.ok === false;
        } else if (isUtf8(bytes)) failedOnly = (await this.sendText(c, bytes.toString('utf8')))?.ok === false;
        else {
          c.allowedCloses.add(1007);
          c.send(bytes);
          if (!isClosed(await c.answer(null).catch(() => ({})))) this.fail('text that is not UTF-8 did not close the connection');
        }
        break;
      }
      case 'reconnect':
        this.log.push(`${this.conns.indexOf(c)} reconnect`);
        c.allowedCloses.add(1000).add(1005);
        c.ws.close(1000);
        await new Promise((resolve) => c.ws.once('close', resolve));
        break;
    }
    await this.afterStep(before, failedOnly);
  }

  /** Sends a request frame; resolves with its answer (undefined when the connection closed instead). */
  private async sendFrame(c: Conn, op: Op, data: unknown): Promise<Json | undefined> {
    const id = this.nextId++;
    const text = serializeFrame({ id, op, data });
    this.log.push(`${this.conns.indexOf(c)} → ${text.length > 600 ? `${text.slice(0, 600)}… (${text.length} chars)` : text}`);
    if (Buffer.byteLength(text) > LIMITS.maxFrameBytes) c.allowedCloses.add(1009);
    const answer = c.answer(id);
    c.send(text);
    const r = await this.answered(c, answer);
    if (r) this.learn(c, op, data, r);
    return r;
  }

  /** Sends any text; the answer awaited is the one the frame decoder predicts (by id, or id null). */
  private async sendText(c: Conn, text: string): Promise<Json | undefined> {
    this.log.push(`${this.conns.indexOf(c)} ⇢ ${JSON.stringify(text.length > 600 ? text.slice(0, 600) : text)}`);
    if (Buffer.byteLength(text) > LIMITS.maxFrameBytes) c.allowedCloses.add(1009);
    const parsed = parseRequest(text);
    const answer = c.answer(parsed.ok ? parsed.frame.id : parsed.id);
    c.send(text);
    const r = await this.answered(c, answer);
    if (r && parsed.ok) this.learn(c, parsed.frame.op, parsed.frame.data, r);
    return r;
  }

  private async answered(c: Conn, answer: Promise<Json | Closed>): Promise<Json | undefined> {
    const r = await answer;
    if (isClosed(r)) return undefined;
    this.log.push(`${this.conns.indexOf(c)} ← ${JSON.stringify(r).slice(0, 300)}`);
    return r;
  }

  private count(what: string, outcome: string): void {
    const m = this.stats.get(what) ?? new Map<string, number>();
    m.set(outcome, (m.get(outcome) ?? 0) + 1);
    this.stats.set(what, m);
  }

  /** What an answer tells the harness: who is logged in, which closes are due, the acks to check. */
  private learn(c: Conn, op: Op, data: unknown, r: Json): void {
    const d = (data ?? {}) as Json;
    this.count(op, r.ok === true ? 'ok' : (r.error as { code: string }).code);
    if (r.ok !== true) {
      if (op === 'hello' && (r.error as { code: string }).code === 'protocol_unsupported') c.allowedCloses.add(4102);
      return;
    }
    const result = r.data as Json;
    if (op === 'auth.register' || op === 'auth.login') this.noteAuth(c, r, d.username as string, d.password as string);
    if (op === 'auth.resume') this.noteAuth(c, r);
    if (op === 'auth.refresh' && c.user) {
      c.user.token = result.token as string;
      this.tokens.push(c.user.token);
    }
    const me = c.user;
    if (!me) return;
    if (op === 'auth.logout') for (const x of this.conns) if (x.user?.deviceId === me.deviceId) x.allowedCloses.add(4100);
    if (op === 'device.revoke') for (const x of this.conns) if (x.user?.deviceId === d.deviceId) x.allowedCloses.add(4101);
    if (op === 'account.password') {
      for (const x of this.conns) if (x.user?.id === me.id && x.user.deviceId !== me.deviceId) x.allowedCloses.add(4101);
      const known = this.passwords.get(me.id);
      if (known) known.password = d.newPassword as string;
    }
    if (typeof result.clientId === 'string' && typeof result.seq === 'number') {
      const ids = this.clientIds.get(me.id) ?? [];
      ids.push(result.clientId);
      this.clientIds.set(me.id, ids);
      const row = this.db.prepare('SELECT conv_id AS conv, seq FROM messages WHERE id = ?').get(result.id) as Json | undefined;
      if (!row || row.conv !== result.conv || row.seq !== result.seq)
        this.fail(`ack ${JSON.stringify(result)} does not name a stored entry`);
    }
  }

  /** After each step: closes explained, state unchanged by failures, connections replaced, properties checked. */
  private async afterStep(before: string, failedOnly: boolean): Promise<void> {
    // Closes that other connections' requests caused arrive a moment after their answers.
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (failedOnly && this.fingerprint() !== before) this.fail('a request answered with an error changed what is stored');
    for (let i = 0; i < this.conns.length; i++) {
      const c = this.conns[i]!;
      if (!c.closed) continue;
      if (!c.allowedCloses.has(c.closed.code))
        this.fail(`connection ${i} was closed with ${c.closed.code} (${c.closed.reason}), which nothing it did explains`);
      this.count('(closed)', String(c.closed.code));
      this.conns[i] = await this.replace(c);
    }
    // After the replacements: a login makes a device.
    this.print = this.fingerprint();
    if (this.stray.length > 0) this.fail(`answers nobody asked for: ${JSON.stringify(this.stray.splice(0)).slice(0, 500)}`);
    this.checkGapless();
    this.check();
  }

  /** A new connection in the place of a closed one: the same user, by token or else by password. */
  private async replace(old: Conn): Promise<Conn> {
    const c = await this.open();
    await this.request(c, 'hello', { protocol: 1 });
    const user = old.user;
    if (!user) return c;
    const resumed = await this.request(c, 'auth.resume', { token: user.token });
    if (!isClosed(resumed) && resumed.ok === true) {
      c.user = { ...user, deviceId: (resumed.data as { deviceId: number }).deviceId };
      return c;
    }
    const creds = this.passwords.get(user.id);
    if (!creds) return c;
    const r = await this.request(c, 'auth.login', creds);
    this.noteAuth(c, r);
    return c;
  }

  /** A last look: the server is alive and answers its health check. */
  async finish(): Promise<void> {
    const r = await fetch(`${this.server.url}/healthz`);
    if (r.status !== 200) this.fail(`/healthz answered ${r.status}`);
    this.checkGapless();
    this.check();
    await this.compareAfterRestart();
    this.check();
  }

  /**
   * What the users read now equals what a server restarted on the same data reads: state the server
   * keeps in memory (group rosters, block lists) never drifts from what it stored, also after requests
   * that failed.
   */
  private async compareAfterRestart(): Promise<void> {
    const tokens = this.conns.slice(0, 3).flatMap((c) => (c.user && !c.closed ? [c.user.token] : []));
    const before = await this.readEverything(tokens);
    for (const c of this.conns) c.ws.terminate();
    this.conns = [];
    await this.server.stop();
    this.server = await startServer(
      this.config,
      createLogger('error', {}, (line) => this.errorLogs.push(line)),
    );
    const after = await this.readEverything(tokens);
    for (let i = 0; i < before.length; i++)
      if (before[i] !== after[i])
        this.fail(
          `after a restart user ${i} reads something else:\nbefore: ${before[i]!.slice(0, 1500)}\nafter:  ${after[i]!.slice(0, 1500)}`,
        );
  }

  /** For each token: the answers to every read op about the user's conversations, groups and contacts. */
  private async readEverything(tokens: readonly string[]): Promise<string[]> {
    const groups = this.db.prepare('SELECT conv_id FROM chat_groups WHERE conv_id IS NOT NULL ORDER BY id').pluck().all() as string[];
    const users = this.db.prepare('SELECT id FROM users ORDER BY id').pluck().all() as number[];
    const out: string[] = [];
    for (const token of tokens) {
      const c = await this.open();
      this.conns.push(c);
      await this.request(c, 'hello', { protocol: 1 });
      const reads: [string, unknown][] = [
        ['auth.resume', { token }],
        ['conv.list', { limit: 500 }],
        ['sync', { limit: 500 }],
        ['block.list', {}],
        ['friend.list', {}],
        ['friend.requests', {}],
        ...users.map((id): [string, unknown] => ['user.get', { id }]),
        ...groups.flatMap((conv): [string, unknown][] => [
          ['group.get', { conv }],
          ['group.members', { conv, limit: 500 }],
          ['group.requests', { conv }],
        ]),
      ];
      const answers: unknown[] = [];
      for (const [op, data] of reads) {
        const r = await this.request(c, op, data);
        // The answer without its request id, which differs between the two reads.
        answers.push(isClosed(r) ? r : { ok: r.ok, data: r.data, error: (r.error as { code?: string } | undefined)?.code });
      }
      // The token's expiry moves with each resume; the rest must not.
      const text = JSON.stringify(answers).replace(/"expiresAt":\d+/g, '"expiresAt":0');
      out.push(text);
    }
    return out;
  }
}

/** True when `b` is valid UTF-8 (what a WebSocket text frame must be). */
function isUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

/** `text` with the edits applied, positions modulo its length. */
export function mutate(text: string, edits: readonly Edit[]): string {
  let out = text;
  for (const e of edits) {
    const at = out.length === 0 ? 0 : e.at % out.length;
    if (e.kind === 'delete') out = out.slice(0, at) + out.slice(at + Math.max(1, e.text.length));
    else if (e.kind === 'insert') out = out.slice(0, at) + e.text + out.slice(at);
    else if (e.kind === 'replace') out = out.slice(0, at) + e.text + out.slice(at + e.text.length);
    else out = out.slice(0, at);
  }
  return out;
}

/**
 * Runs `commands` on a fresh server and checks every property after each; throws a FuzzFailure that
 * says what broke and shows the last steps. Always stops the server.
 */
export async function runFuzzCommands(commands: readonly Command[], stats?: FuzzStats): Promise<void> {
  const h = await Harness.start();
  if (stats) h.stats = stats;
  try {
    await h.setup();
    for (const cmd of commands) await h.run(cmd);
    await h.finish();
  } finally {
    await h.close();
  }
}
