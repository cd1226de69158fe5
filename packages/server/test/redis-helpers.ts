import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { openRedisBus } from '../src/bus/bus-redis-open.js';
import type { RedisBus } from '../src/bus/bus-redis.js';
import type { Bus } from '../src/bus/bus.js';
import { createBus } from '../src/bus/factory.js';
import { createLogger, loadConfig, startServer, type Config, type WarblerServer } from '../src/index.js';
import { eventually, tempDir } from './helpers.js';
import { dropTestStore, testStoreConfig } from './test-store.js';

/** The shared Redis of this machine (never stopped, flushed or restarted by a test: keys under a unique prefix only). */
export const SHARED_REDIS = 'redis://127.0.0.1:6379';

/** A key prefix no other test uses. */
export function uniquePrefix(): string {
  return `warbler-test:${process.pid}:${Math.random().toString(36).slice(2, 10)}:`;
}

/** The `bus.redis` settings of a test: its own prefix, a short registry TTL. */
export function redisSettings(url = SHARED_REDIS, prefix = uniquePrefix(), registryTtlMs = 1500): Config['bus']['redis'] {
  return { url, keyPrefix: prefix, registryTtlMs, sentinels: [], sentinelName: 'mymaster' };
}

/** Opens a node of the Redis bus with these settings; handler errors are collected in `errors`. */
export function openTestBus(settings: Config['bus']['redis'], errors: unknown[] = []): Promise<RedisBus> {
  return openRedisBus(settings, createLogger('silent'), (err) => errors.push(err));
}

/** The keys under `prefix` on `url` (a test's leftovers). */
export async function keysUnder(url: string, prefix: string): Promise<string[]> {
  const r = oneShot(url);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return keys.sort();
  } finally {
    r.disconnect();
  }
}

/** A connection for one look, that fails instead of retrying when Redis is down. */
function oneShot(url: string): Redis {
  const r = new Redis(url, { retryStrategy: () => null, maxRetriesPerRequest: 0 });
  r.on('error', () => undefined);
  return r;
}

/** Deletes every key under `prefix` (never anything else). */
export async function deleteUnder(url: string, prefix: string): Promise<void> {
  const keys = await keysUnder(url, prefix);
  if (keys.length === 0) return;
  const r = oneShot(url);
  await r.del(...keys).finally(() => r.disconnect());
}

/** A free TCP port on 127.0.0.1 (listened on and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * A private `redis-server` on a free port, for tests that kill and restart Redis (never the shared one).
 * It keeps nothing on disk, so a restart comes back empty, as a Redis without persistence would.
 */
export class PrivateRedis {
  private proc: ChildProcess | undefined;
  private readonly dir = tempDir('warbler-redis-');

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort());
    await r.restart();
    return r;
  }

  /** Starts it (again) on its port; resolves once it answers PING. */
  async restart(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir];
    this.proc = spawn('redis-server', args, { stdio: 'ignore' });
    await eventually(async () => {
      const c = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      c.on('error', () => undefined);
      try {
        await c.connect();
        await c.ping();
      } finally {
        c.disconnect();
      }
    }, 10_000);
  }

  /** Kills it (SIGKILL): an outage, not a shutdown. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Servers in this process on one Redis bus (each its own node) and one store. */
export interface RedisCluster {
  servers: WarblerServer[];
  /** The buses, as the servers use them (a test may hold one's pushes back). */
  buses: Bus[];
  settings: Config['bus']['redis'];
  /** Stops every server, removes the store and the keys under the cluster's prefix. */
  stop: () => Promise<void>;
}

/**
 * Starts `n` servers on port 0, each a node of the Redis bus at `url` (under a fresh key prefix), all on
 * one store (the data folder's: on SQLite one file, as several processes on one machine would share).
 */
export async function startRedisCluster(n: number, url = SHARED_REDIS, registryTtlMs = 1500): Promise<RedisCluster> {
  const dataDir = tempDir();
  const settings = redisSettings(url, uniquePrefix(), registryTtlMs);
  const servers: WarblerServer[] = [];
  const buses: Bus[] = [];
  const stop = async () => {
    for (const s of servers) await s.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await dropTestStore(dataDir);
    await deleteUnder(url, settings.keyPrefix).catch(() => undefined);
  };
  try {
    for (let i = 0; i < n; i++) {
      const config = loadConfig({
        overrides: {
          dataDir,
          server: { port: 0, host: '127.0.0.1' },
          admin: { port: 0 },
          auth: { scryptCost: 1024, registration: 'open' },
          store: { ...(await testStoreConfig(dataDir)), sqlite: { synchronous: 'normal' } },
          bus: { driver: 'redis', redis: settings },
          log: { level: 'silent' },
        },
      });
      const bus = await createBus(config, createLogger('silent'));
      buses.push(bus);
      servers.push(await startServer(config, createLogger('silent'), [], { bus }));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { servers, buses, settings, stop };
}
