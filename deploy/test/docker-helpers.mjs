// What the Docker tests share: running docker and docker-compose, waiting for a container's health,
// free loopback ports, and a raw WebSocket client of the protocol.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

/** The repository's root. */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Runs a command to its end and returns its standard output, trimmed; throws with its output when it
 * exits non-zero. The legacy builder is asked for explicitly (DOCKER_BUILDKIT=0): Debian's engine comes
 * without buildx, and docker-compose 1.29 builds with it too.
 */
export function run(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, {
      cwd: REPO,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, DOCKER_BUILDKIT: '0', ...opts.env },
      timeout: opts.timeoutMs ?? 120_000,
    }).trim();
  } catch (e) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${e.status ?? e.signal}):\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** Like run, without blocking the event loop (for a command that runs while the test sends traffic). */
export function runAsync(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      {
        cwd: REPO,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, ...opts.env },
        timeout: opts.timeoutMs ?? 120_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? (err.code ?? err.signal) : 0, stdout, stderr }),
    );
  });
}

export const docker = (...args) => run('docker', args);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The container's log (the server logs on standard error). */
export function logs(container) {
  const r = spawnSync('docker', ['logs', container], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return r.stdout + r.stderr;
}

/** Waits until the container's HEALTHCHECK reports `healthy`; throws on `unhealthy` or after limitMs. */
export async function waitHealthy(container, limitMs = 120_000) {
  const end = Date.now() + limitMs;
  let status = '';
  while (Date.now() < end) {
    status = docker('inspect', '-f', '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}', container);
    if (status.endsWith(' healthy')) return;
    if (status.endsWith('unhealthy') || status.startsWith('exited')) break;
    await sleep(500);
  }
  const tail = logs(container).split('\n').slice(-30).join('\n');
  throw new Error(`${container} did not turn healthy (${status}); its log ends:\n${tail}`);
}

/** The host port that `container`'s port is published on (on 127.0.0.1). */
export function publishedPort(container, port) {
  const line = docker('port', container, `${port}/tcp`).split('\n')[0];
  const m = /^127\.0\.0\.1:(\d+)$/.exec(line);
  if (!m) throw new Error(`${container}:${port} is published as "${line}", not on 127.0.0.1`);
  return Number(m[1]);
}

/** A TCP port free on 127.0.0.1 now (for a publication that must keep its port across a restart). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A WebSocket client of the protocol: `call(op, data)` resolves with the answer frame (ok or not). */
export class RawClient {
  static async open(url) {
    const c = new RawClient(new WebSocket(url, { perMessageDeflate: false }));
    await new Promise((resolve, reject) => {
      c.ws.once('open', resolve);
      c.ws.once('error', reject);
    });
    const hello = await c.call('hello', { protocol: 1, client: 'deploy-test' });
    if (!hello.ok) throw new Error(`hello: ${JSON.stringify(hello)}`);
    return c;
  }

  constructor(ws) {
    this.ws = ws;
    this.nextId = 1;
    this.pending = new Map();
    this.closeCode = undefined;
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString());
      const p = f.id !== undefined && this.pending.get(f.id);
      if (!p) return;
      this.pending.delete(f.id);
      p(f);
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      for (const p of this.pending.values()) p({ ok: false, closed: code });
      this.pending.clear();
    });
    ws.on('error', () => undefined);
  }

  call(op, data) {
    if (this.closeCode !== undefined) return Promise.resolve({ ok: false, closed: this.closeCode });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ id, op, data }));
    });
  }

  close() {
    this.ws.close(1000);
  }
}

/** Resumes a session with a device token; throws unless it succeeds. */
export async function resumed(url, token) {
  const c = await RawClient.open(url);
  const r = await c.call('auth.resume', { token });
  if (!r.ok) throw new Error(`auth.resume: ${JSON.stringify(r.error)}`);
  return c;
}
