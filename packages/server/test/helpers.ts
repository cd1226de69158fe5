import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { WarblerClient, type ClientOptions } from '@warbler/sdk';
import type { ApiScope } from '@warbler/protocol';
import { loadConfig, startServer, type ConfigInput, type Extension, type WarblerServer } from '../src/index.js';
import { dropTestStore, testStoreConfig, testStoreEnv } from './test-store.js';

/** The CLI entry point, compiled. */
export const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.js');

/** What a CLI run printed, and how it ended. */
export interface CliRun {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Runs the CLI (`warbler ARGS`) to its end with a cheap scrypt cost, warnings only, and extra environment. */
export async function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 10_000): Promise<CliRun> {
  // On the test store of the data folder it names, like the test servers of that folder.
  const dir = args[args.indexOf('--data-dir') + 1];
  const storeEnv = args.includes('--data-dir') && dir !== undefined ? await testStoreEnv(dir) : {};
  const proc = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, WARBLER_AUTH_SCRYPT_COST: '1024', WARBLER_LOG_LEVEL: 'warn', ...storeEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`warbler ${args.join(' ')} did not exit; stdout=${stdout} stderr=${stderr}`));
    }, timeoutMs);
    proc.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code: code ?? sig ?? -1, stdout, stderr });
    });
  });
}

/** A fresh data folder under the system temp folder. */
export function tempDir(prefix = 'warbler-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestServer extends WarblerServer {
  dataDir: string;
  /** Stops the server and deletes its data folder. */
  close(): Promise<void>;
}

/**
 * Starts a server in this process on port 0 with a temp data folder, quiet logs, a cheap scrypt cost
 * (tests make many accounts) and open registration (tests register freely; the default is `invite`).
 * `t.after(() => s.close())` tears it down.
 */
export async function startTestServer(overrides: ConfigInput = {}, dataDir = tempDir(), extensions: Extension[] = []): Promise<TestServer> {
  const config = loadConfig({
    overrides: {
      ...overrides,
      dataDir,
      server: { port: 0, host: '127.0.0.1', ...overrides.server },
      admin: { port: 0, ...overrides.admin },
      auth: { scryptCost: 1024, registration: 'open', ...overrides.auth },
      store: { ...(await testStoreConfig(dataDir)), ...overrides.store, sqlite: { synchronous: 'normal', ...overrides.store?.sqlite } },
      log: { level: 'silent', ...overrides.log },
    },
  });
  const s = await startServer(config, undefined, extensions);
  return Object.assign(s, {
    dataDir,
    close: async () => {
      await s.stop();
      rmSync(dataDir, { recursive: true, force: true });
      await dropTestStore(dataDir);
    },
  });
}

/** A new API key of the server with these scopes (what `warbler apikey create` prints). */
export async function apiKey(s: WarblerServer, ...scopes: ApiScope[]): Promise<string> {
  return (await s.apiKeys.create(scopes, 'test', 'cli:test')).key;
}

/** A request to the server's admin listener; `key` becomes `Authorization: Bearer <key>`. */
export async function adminFetch(
  s: WarblerServer,
  path: string,
  opts: { key?: string | undefined; method?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> & { error?: { code: string; status: number; message: string } } }> {
  const headers: Record<string, string> = {};
  if (opts.key !== undefined) headers.authorization = `Bearer ${opts.key}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${s.adminUrl}${path}`, {
    method: opts.method ?? 'GET',
    headers,
    ...(opts.body === undefined ? {} : { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

let userSeq = 0;
/** A unique valid username. */
export function uniqueName(prefix = 'user'): string {
  return `${prefix}${process.pid}x${++userSeq}`;
}

/** An SDK client connected to `url` (register when `password` is new, else pass `login: true`). */
export async function sdkClient(url: string, opts: Partial<ClientOptions> = {}): Promise<WarblerClient> {
  const c = new WarblerClient({ url, WebSocket: WebSocket as unknown as ClientOptions['WebSocket'], backoffMs: [20, 200], ...opts });
  await c.connect();
  return c;
}

/** Registers a new user on a new SDK client. */
export async function newUser(
  url: string,
  opts: Partial<ClientOptions> = {},
  name = uniqueName(),
): Promise<{ client: WarblerClient; username: string; id: number; token: string }> {
  const client = await sdkClient(url, opts);
  const r = await client.register(name, 'password-123');
  return { client, username: name, id: r.user.id, token: r.token };
}

export interface Frame {
  id?: string | number | null;
  ok?: boolean;
  data?: Record<string, unknown>;
  error?: { code: string; status: number; message: string };
  ev?: string;
}

/** A raw WebSocket speaking frames by hand, for protocol and bad-input tests. */
export class RawClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];
  private nextId = 1;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.frames.push(JSON.parse(d.toString()) as Frame);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(url: string, headers?: Record<string, string>): Promise<RawClient> {
    const ws = new WebSocket(url, headers ? { headers } : undefined);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RawClient(ws);
  }

  /** Sends text as is, or an object as JSON. */
  sendRaw(frame: string | object): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a request and waits for the response with its id. */
  async request(op: string, data?: unknown, timeoutMs = 5000): Promise<Frame> {
    const id = this.nextId++;
    this.sendRaw(data === undefined ? { id, op } : { id, op, data });
    return this.waitFor((f) => f.id === id, timeoutMs);
  }

  /** Waits for a frame matching `pred` (already received or future). */
  async waitFor(pred: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.find(pred);
      if (f) return f;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Handshake and registration of a new user; returns its id and token. */
  async registerNew(name = uniqueName()): Promise<{ id: number; token: string; deviceId: number }> {
    await this.request('hello', { protocol: 1 });
    const r = await this.request('auth.register', { username: name, password: 'password-123' });
    if (!r.ok) throw new Error(`register failed: ${JSON.stringify(r.error)}`);
    const d = r.data as { user: { id: number }; token: string; deviceId: number };
    return { id: d.user.id, token: d.token, deviceId: d.deviceId };
  }

  close(): void {
    this.ws.close();
  }
}

/** Retries `fn` until it stops throwing or `timeoutMs` passes (then throws its last error). */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 5000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

export interface ChildServer {
  proc: ChildProcess;
  port: number;
  wsUrl: string;
  /** http://127.0.0.1:port of its admin listener. */
  adminUrl: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  stderr: () => string;
}

/** Runs `warbler serve` as a child process on port 0 in `dataDir` (registration open); resolves once it listens. */
export async function spawnServer(dataDir: string, extraEnv: Record<string, string> = {}): Promise<ChildServer> {
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], {
    env: {
      ...process.env,
      WARBLER_AUTH_SCRYPT_COST: '1024',
      WARBLER_AUTH_REGISTRATION: 'open',
      WARBLER_ADMIN_PORT: '0',
      ...(await testStoreEnv(dataDir)),
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, sig) => resolve(code ?? sig ?? -1)));
  const [port, adminUrl] = await new Promise<[number, string]>((resolve, reject) => {
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /"msg":"listening","port":(\d+),"url":"[^"]*","adminUrl":"([^"]*)"/.exec(err);
      if (m) resolve([Number(m[1]), m[2]!]);
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${err}`)));
  });
  return { proc, port, wsUrl: `ws://127.0.0.1:${port}/ws`, adminUrl, exited, stderr: () => err };
}
