import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { LIMITS } from '@warbler/protocol';

/**
 * Every setting and its default, written once. docs/config.md documents each key.
 * Precedence, lowest first: these defaults, the JSON config file, WARBLER_* environment variables,
 * command-line flags. Environment names are the key path in upper snake case:
 * `gateway.maxFrameBytes` is `WARBLER_GATEWAY_MAX_FRAME_BYTES`.
 */
export const DEFAULTS = {
  server: {
    /** Interface to listen on; empty means every interface (IPv6 and IPv4). */
    host: '',
    port: 8080,
    /**
     * Browser origins allowed to open a WebSocket besides the server's own (an Origin whose host is the
     * request's Host); '*' allows any. Requests without Origin (not a browser) are always allowed.
     */
    allowedOrigins: [] as string[],
    /** Pending TCP connections the kernel queues (capped by net.core.somaxconn): room for reconnect storms. */
    listenBacklog: 4096,
    /** How long a graceful shutdown waits for clients to close before cutting them off. */
    shutdownTimeoutMs: 5000,
    /**
     * Addresses of reverse proxies (nginx) whose `X-Forwarded-For` names the client; empty: the header is
     * ignored and the TCP peer is the client. Per-IP limits key on the client this gives.
     */
    trustedProxies: [] as string[],
  },
  /** Folder for the SQLite file and other data; created if missing. */
  dataDir: './data',
  store: {
    driver: 'sqlite' as const,
    /** SQLite file name inside dataDir. */
    sqliteFile: 'warbler.db',
    /** SQLite `synchronous`: 'full' survives power loss; 'normal' survives a process crash only. */
    sqliteSynchronous: 'full' as 'full' | 'normal',
    /** WAL pages after which a commit copies the log back into the database (SQLite `wal_autocheckpoint`). */
    sqliteCheckpointPages: 1000,
    /** SQLite page cache per connection, MiB (better-sqlite3 builds SQLite with 16). */
    sqliteCacheMb: 16,
    /** Bytes of the database file read through a memory map, MiB; 0: none. */
    sqliteMmapMb: 0,
    /** Most writes (messages, actions, cursor moves) one write transaction carries: bounds one event-loop turn. */
    batchMaxMessages: 1000,
    /**
     * Most milliseconds a write batch waits for more writes before it commits. Below this bound the wait
     * follows the recent cost of a commit, so a slow disk's fsyncs are shared by more writes. 0: never wait.
     */
    commitDelayMaxMs: 5,
    /** Once the oldest queued write has waited this long, connections that send are not read from until it catches up. */
    writeQueuePauseMs: 100,
  },
  bus: {
    driver: 'memory' as const,
  },
  auth: {
    /**
     * 'open': anyone may register; 'invite': registration needs an invite code an admin created
     * (`warbler invite create`); 'closed': only `warbler user add` and the admin API create accounts.
     */
    registration: 'invite' as 'open' | 'invite' | 'closed',
    /** `auth.register` attempts one client IP may make per hour (0: no limit). */
    registrationsPerIpPerHour: 200,
    /** `auth.login` attempts one client IP may make per minute, right or wrong (0: no limit). */
    loginsPerIpPerMinute: 300,
    /** Failed logins one client IP may make per hour, across all usernames (password spraying; 0: no limit). */
    failedLoginsPerIpPerHour: 100,
    tokenTtlDays: 30,
    minPasswordLength: 8,
    /** scrypt cost parameter N (a power of two). */
    scryptCost: 16384,
  },
  gateway: {
    path: '/ws',
    maxFrameBytes: LIMITS.maxFrameBytes,
    /** A connection quiet this long gets a ping. */
    heartbeatMs: 30000,
    /** A connection quiet this long is cut off. */
    idleTimeoutMs: 75000,
    /** A connection must authenticate within this time. */
    authTimeoutMs: 10000,
    /** A connection whose unsent bytes exceed this is closed as a slow consumer. */
    maxBufferedBytes: 1024 * 1024,
    /** Sustained request frames per second per connection, and the burst above it. */
    framesPerSecond: 200,
    framesBurst: 400,
    /** Open WebSocket connections one client IP may have; more are refused with HTTP 429 (0: no limit). */
    maxConnectionsPerIp: 2000,
  },
  limits: {
    maxTextChars: LIMITS.maxTextChars,
    /** Most bytes of a message's `custom` content or `media` metadata, JSON-encoded. */
    maxContentBytes: 16384,
  },
  messages: {
    /** How long after sending the author may recall a message (group admins and owners: any time). */
    recallWindowSeconds: 120,
    /** How long after sending the author may edit a message; 0 means no limit. */
    editWindowSeconds: 172800,
    /** Who may start a one-to-one conversation with a user: 'anyone', or only 'contacts' (friends and group mates). */
    directFrom: 'anyone' as 'anyone' | 'contacts',
  },
  groups: {
    /** Most members a group may have; more gets `group_full`. */
    maxMembers: 2000,
    /** Groups up to this size report who read a message; larger ones only how many. */
    whoReadMaxMembers: 100,
  },
  presence: {
    /** Typing frames closer together than this, per connection and conversation, get `rate_limited`. */
    typingIntervalMs: 1000,
    /** Most users one connection may watch the presence of. */
    maxWatched: 1000,
  },
  search: {
    /** Shortest `msg.search` query, in characters; shorter gets `invalid_query`. */
    minQueryChars: 2,
  },
  directory: {
    /** Shortest `user.search` prefix, in characters; shorter gets `invalid_query`. */
    searchMinChars: 3,
    /** Most users one `user.search` answers with, whatever its `limit`. */
    searchMaxResults: 20,
    /** Lookups of strangers (users who are not friends or group mates) a user may make at once (0: no limit). */
    lookupBurst: 100,
    /** Lookups of strangers a user regains per hour, after the burst. */
    lookupsPerHour: 200,
  },
  admin: {
    /** 'on': the admin listener (admin API, /metrics, health) runs on admin.host:admin.port; 'off': it does not. */
    listener: 'on' as 'on' | 'off',
    /** Interface of the admin listener; loopback keeps it off the network. Empty means every interface. */
    host: '127.0.0.1',
    /** TCP port of the admin listener; 0 picks a free one. */
    port: 9090,
    /** What the public port serves of the admin surface, always to an API key with the route's scope. */
    publicPaths: 'none' as 'none' | 'metrics' | 'all',
  },
  audit: {
    /** Audit entries older than this are deleted. */
    retentionDays: 90,
    /** Most audit entries kept; the oldest go first. */
    maxRows: 1_000_000,
  },
  log: {
    level: 'info' as 'debug' | 'info' | 'warn' | 'error' | 'silent',
  },
};

type Widen<T> = T extends string
  ? T
  : T extends number
    ? number
    : T extends boolean
      ? boolean
      : T extends readonly unknown[]
        ? T
        : { [K in keyof T]: Widen<T[K]> };
/** The validated configuration. */
export type Config = Widen<typeof DEFAULTS>;
/** A partial configuration, as a file or a test gives it. */
export type ConfigInput = { [K in keyof Config]?: Config[K] extends object ? Partial<Config[K]> : Config[K] };

/** A bad setting: the message names the key and what is wrong. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Rule = { int?: [number, number]; oneOf?: readonly string[]; powerOfTwo?: boolean; ips?: boolean };
const RULES: Record<string, Rule> = {
  'server.port': { int: [0, 65535] },
  'server.shutdownTimeoutMs': { int: [0, 600000] },
  'server.listenBacklog': { int: [1, 65535] },
  'server.trustedProxies': { ips: true },
  'store.driver': { oneOf: ['sqlite'] },
  'store.sqliteSynchronous': { oneOf: ['full', 'normal'] },
  'store.sqliteCheckpointPages': { int: [100, 1000000] },
  'store.sqliteCacheMb': { int: [1, 65536] },
  'store.sqliteMmapMb': { int: [0, 1048576] },
  'store.batchMaxMessages': { int: [1, 100000] },
  'store.commitDelayMaxMs': { int: [0, 1000] },
  'store.writeQueuePauseMs': { int: [1, 600000] },
  'bus.driver': { oneOf: ['memory'] },
  'auth.registration': { oneOf: ['open', 'invite', 'closed'] },
  'auth.registrationsPerIpPerHour': { int: [0, 1000000] },
  'auth.loginsPerIpPerMinute': { int: [0, 1000000] },
  'auth.failedLoginsPerIpPerHour': { int: [0, 1000000] },
  'auth.tokenTtlDays': { int: [1, 3650] },
  'auth.minPasswordLength': { int: [1, 1024] },
  'auth.scryptCost': { int: [1024, 1048576], powerOfTwo: true },
  'gateway.maxFrameBytes': { int: [1024, 16 * 1024 * 1024] },
  'gateway.heartbeatMs': { int: [1000, 3600000] },
  'gateway.idleTimeoutMs': { int: [2000, 3600000] },
  'gateway.authTimeoutMs': { int: [100, 600000] },
  'gateway.maxBufferedBytes': { int: [1024, 1024 * 1024 * 1024] },
  'gateway.framesPerSecond': { int: [1, 1000000] },
  'gateway.framesBurst': { int: [1, 1000000] },
  'gateway.maxConnectionsPerIp': { int: [0, 10000000] },
  'limits.maxTextChars': { int: [1, 1000000] },
  'limits.maxContentBytes': { int: [256, 1048576] },
  'messages.recallWindowSeconds': { int: [0, 31536000] },
  'messages.editWindowSeconds': { int: [0, 31536000] },
  'messages.directFrom': { oneOf: ['anyone', 'contacts'] },
  'groups.maxMembers': { int: [2, 100000] },
  'groups.whoReadMaxMembers': { int: [0, 100000] },
  'presence.typingIntervalMs': { int: [0, 60000] },
  'presence.maxWatched': { int: [1, 100000] },
  'search.minQueryChars': { int: [1, 100] },
  'admin.listener': { oneOf: ['on', 'off'] },
  'admin.port': { int: [0, 65535] },
  'admin.publicPaths': { oneOf: ['none', 'metrics', 'all'] },
  'audit.retentionDays': { int: [1, 3650] },
  'audit.maxRows': { int: [1000, 1_000_000_000] },
  'directory.searchMinChars': { int: [1, 32] },
  'directory.searchMaxResults': { int: [1, 50] },
  'directory.lookupBurst': { int: [0, 1000000] },
  'directory.lookupsPerHour': { int: [1, 100000000] },
  'log.level': { oneOf: ['debug', 'info', 'warn', 'error', 'silent'] },
};

/** Every key path of DEFAULTS, e.g. `gateway.maxFrameBytes`. */
export const CONFIG_KEYS: string[] = (function walk(obj: object, prefix: string): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? walk(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
})(DEFAULTS, '');

/** `gateway.maxFrameBytes` → `WARBLER_GATEWAY_MAX_FRAME_BYTES`. */
export function envName(key: string): string {
  return (
    'WARBLER_' +
    key
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/\./g, '_')
      .toUpperCase()
  );
}

function getPath(obj: Record<string, unknown>, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
}
function setPath(obj: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
  o[parts.at(-1)!] = value;
}

function checkValue(key: string, value: unknown, source: string): unknown {
  const def = getPath(DEFAULTS as unknown as Record<string, unknown>, key);
  const rule = RULES[key] ?? {};
  const fail = (what: string): never => {
    throw new ConfigError(`config: ${key} ${what} (got ${JSON.stringify(value)} from ${source})`);
  };
  if (Array.isArray(def)) {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) fail('must be a list of strings');
    if (rule.ips) {
      const bad = (value as string[]).find((v) => isIP(v) === 0);
      if (bad !== undefined) fail(`must be a list of IP addresses (${JSON.stringify(bad)} is not one)`);
    }
    return value;
  }
  if (typeof def === 'number') {
    if (typeof value !== 'number' || !Number.isFinite(value)) fail('must be a number');
    const n = value as number;
    if (rule.int) {
      const [lo, hi] = rule.int;
      if (!Number.isInteger(n) || n < lo || n > hi) fail(`must be an integer from ${lo} to ${hi}`);
    }
    if (rule.powerOfTwo && (n & (n - 1)) !== 0) fail('must be a power of two');
    return n;
  }
  if (typeof def === 'string') {
    if (typeof value !== 'string') fail('must be a string');
    if (rule.oneOf && !rule.oneOf.includes(value as string)) fail(`must be one of ${rule.oneOf.join(', ')}`);
    return value;
  }
  return value;
}

function fromEnvString(key: string, raw: string): unknown {
  const def = getPath(DEFAULTS as unknown as Record<string, unknown>, key);
  if (Array.isArray(def))
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (typeof def === 'number') {
    // Not a number: keep the text, so the error shows what was typed (JSON shows NaN as null).
    const n = raw.trim() === '' ? NaN : Number(raw);
    return Number.isFinite(n) ? n : raw;
  }
  return raw;
}

function flatten(input: Record<string, unknown>, prefix: string, source: string, out: Map<string, unknown>): void {
  for (const [k, v] of Object.entries(input)) {
    const key = prefix + k;
    if (CONFIG_KEYS.includes(key)) out.set(key, v);
    else if (typeof v === 'object' && v !== null && !Array.isArray(v) && CONFIG_KEYS.some((c) => c.startsWith(key + '.')))
      flatten(v as Record<string, unknown>, key + '.', source, out);
    else throw new ConfigError(`config: ${key} is not a known setting (from ${source})`);
  }
}

export interface LoadOptions {
  /** Path of a JSON config file. */
  file?: string;
  /** Environment to read WARBLER_* variables from; none when omitted. */
  env?: Record<string, string | undefined>;
  /** Highest-precedence values (command-line flags, tests). */
  overrides?: ConfigInput;
  /** What errors call the overrides, e.g. 'command-line flags' (default 'overrides'). */
  overridesSource?: string;
}

/** Builds and validates the configuration; throws ConfigError naming the first bad key. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const layers: [string, Map<string, unknown>][] = [];
  if (opts.file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(opts.file, 'utf8'));
    } catch (e) {
      throw new ConfigError(`config: cannot read ${opts.file}: ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new ConfigError(`config: ${opts.file} must hold a JSON object`);
    const m = new Map<string, unknown>();
    flatten(parsed as Record<string, unknown>, '', opts.file, m);
    layers.push([opts.file, m]);
  }
  if (opts.env) {
    const m = new Map<string, unknown>();
    for (const key of CONFIG_KEYS) {
      const raw = opts.env[envName(key)];
      if (raw !== undefined) m.set(key, fromEnvString(key, raw));
    }
    layers.push(['environment', m]);
  }
  if (opts.overrides) {
    const m = new Map<string, unknown>();
    const source = opts.overridesSource ?? 'overrides';
    flatten(opts.overrides as Record<string, unknown>, '', source, m);
    layers.push([source, m]);
  }
  const cfg = structuredClone(DEFAULTS) as unknown as Record<string, unknown>;
  for (const [source, m] of layers) {
    for (const [key, value] of m) {
      const src = source === 'environment' ? envName(key) : source;
      setPath(cfg, key, checkValue(key, value, src));
    }
  }
  const c = cfg as unknown as Config;
  if (c.gateway.idleTimeoutMs <= c.gateway.heartbeatMs)
    throw new ConfigError(`config: gateway.idleTimeoutMs must be greater than gateway.heartbeatMs (got ${c.gateway.idleTimeoutMs})`);
  if (c.admin.listener === 'on' && c.admin.port !== 0 && c.admin.port === c.server.port)
    throw new ConfigError(`config: admin.port must differ from server.port (got ${c.admin.port}; 0 picks a free port)`);
  return c;
}
