import { hostname } from 'node:os';
import type { RedisOptions } from 'ioredis';
import type { Config } from '../config.js';
import { ConfigError } from '../config/error.js';
import type { Logger } from '../logger.js';
import { RedisBus } from './bus-redis.js';

/** The `bus.redis` settings. */
type RedisSettings = Config['bus']['redis'];

/**
 * Opens the Redis bus the config names: loads ioredis (only now: a deployment on the memory bus never
 * does), opens the command and subscriber connections, refuses a Redis Cluster, and registers the node.
 * An unreachable server fails here with one line naming the key (`bus.redis.url`, or
 * `bus.redis.sentinels`); after the start, the connections retry forever (every 100 ms more, up to 2 s).
 */
export async function openRedisBus(
  settings: RedisSettings,
  logger: Logger,
  report: (err: unknown, kind: string) => void,
): Promise<RedisBus> {
  const { Redis } = await import('ioredis');
  const key = settings.sentinels.length > 0 ? 'bus.redis.sentinels' : 'bus.redis.url';
  let starting = true;
  const options = connectionOptions(settings, () => starting);
  const pub = new Redis(options);
  const sub = new Redis({ ...options, connectionName: 'warbler-sub' });
  let linkError: unknown;
  for (const c of [pub, sub]) c.on('error', (err: unknown) => (linkError = err));
  try {
    await Promise.all([pub.connect(), sub.connect()]);
    // ioredis only warns when its SELECT fails (and stays on database 0): ask again, so that a bad one fails.
    if (options.db) await pub.select(options.db);
    const info = await pub.info('cluster');
    if (/cluster_enabled:1/.test(info))
      throw new ConfigError(`config: ${key}: the server is a Redis Cluster node; the bus needs one Redis (with Sentinel for failover)`);
    const node = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`.replace(/[^\w.-]/g, '_');
    const bus = new RedisBus(pub, sub, {
      node,
      prefix: settings.keyPrefix,
      ttlMs: settings.registryTtlMs,
      report,
      onLink: (up) => (up ? logger.info('redis bus: link back') : logger.warn('redis bus: link lost; retrying', { err: linkError })),
    });
    await bus.start();
    starting = false;
    return bus;
  } catch (e) {
    pub.disconnect();
    sub.disconnect();
    if (e instanceof ConfigError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    const detail = linkError instanceof Error ? linkError.message : why;
    throw new ConfigError(`config: ${key}: cannot use Redis at ${where(settings)}: ${detail}`);
  }
}

/** The ioredis options both connections share. */
function connectionOptions(settings: RedisSettings, starting: () => boolean): RedisOptions {
  const url = parseUrl(settings.url);
  const options: RedisOptions = {
    lazyConnect: true,
    connectTimeout: 5000,
    // Fail fast while the link is down: nothing is queued or resent (bus-redis.ts, "Outage").
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: false,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: true,
    connectionName: 'warbler',
    retryStrategy: (times) => (starting() ? null : Math.min(times * 100, 2000)),
    username: decodeURIComponent(url.username) || undefined,
    password: decodeURIComponent(url.password) || undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
  };
  if (settings.sentinels.length === 0) return { ...options, host: url.hostname || '127.0.0.1', port: Number(url.port || 6379) };
  return {
    ...options,
    name: settings.sentinelName,
    sentinels: settings.sentinels.map((s) => {
      const i = s.lastIndexOf(':');
      return i < 0 ? { host: s, port: 26379 } : { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
    }),
    sentinelRetryStrategy: (times) => (starting() ? null : Math.min(times * 100, 2000)),
  };
}

/** Parses `bus.redis.url`; a bad one is a ConfigError naming the key. */
function parseUrl(text: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  const db = url?.pathname.slice(1) ?? '';
  if (!url || !['redis:', 'rediss:'].includes(url.protocol) || (db !== '' && !/^\d+$/.test(db)))
    throw new ConfigError(`config: bus.redis.url must be redis://[[user]:password@]host[:port][/db] or rediss://… (got "${text}")`);
  return url;
}

/** Where the bus looked for Redis, without a password. */
function where(settings: RedisSettings): string {
  if (settings.sentinels.length > 0) return `sentinels ${settings.sentinels.join(', ')} (primary "${settings.sentinelName}")`;
  const url = new URL(settings.url);
  url.password = '';
  url.username = '';
  return url.toString();
}
