import type { Static } from '@sinclair/typebox';
import { LIMITS } from '@warbler/protocol';
import { int, list, oneOf, section, str } from './setting.js';

/**
 * Every setting: its type, default, range and description, written once. The loader validates with this
 * schema and docs/config.md's settings table is generated from it (`npm run docs:config`); a test fails
 * when the two disagree. Descriptions are Markdown, written for the operator; the range and default are
 * added by the table, so a description does not repeat them. Driver-specific settings nest under their
 * driver (`store.sqlite.*`).
 */
export const CONFIG_SCHEMA = section({
  server: section({
    host: str('', 'Interface to listen on, e.g. `127.0.0.1`; empty means every interface (IPv6 and IPv4).'),
    port: int(8080, 0, 65535, 'TCP port for WebSocket and HTTP; 0 picks a free port (logged as `listening`).'),
    allowedOrigins: list(
      "Browser origins allowed to open a WebSocket besides the server's own, e.g. `[\"https://chat.example.com\"]` for a web app served from another host; `\"*\"` allows any. The server's own pages are always allowed: an `Origin` whose host (with its port) is the request's `Host`, whatever the scheme, so a page served through a TLS proxy that forwards `Host` counts too. A request without an `Origin` header (a non-browser client: the SDK in Node, a mobile app) is always allowed; a refused one gets HTTP 403. The default refuses other sites' pages: a page on another site could otherwise open a socket from a visitor's browser. In the environment: a comma-separated list.",
    ),
    listenBacklog: int(
      4096,
      1,
      65535,
      'Pending TCP connections the kernel queues before accepting them (the kernel caps it at `net.core.somaxconn`): room for thousands of clients reconnecting at once.',
    ),
    shutdownTimeoutMs: int(
      5000,
      0,
      600000,
      'How long a graceful stop waits for clients to close (after storing pending messages) before cutting them off, in ms.',
    ),
    keepAliveTimeoutMs: int(
      5000,
      1000,
      600000,
      "How long an idle HTTP keep-alive connection to the public port (the REST and health routes, not WebSockets) stays open for a next request, ms. Behind a load balancer that reuses connections, make it longer than the balancer's idle timeout (e.g. 65000 behind one with 60 s), or the balancer may send a request on a connection the server is closing and answer 502.",
    ),
    trustedProxies: list(
      'IP addresses of reverse proxies (e.g. `["127.0.0.1"]` for nginx on the same machine) whose `X-Forwarded-For` header names the client. Empty: the header is ignored and the TCP peer is the client. Per-IP limits key on the client this gives; behind a proxy that is not listed, every client has the proxy\'s address and shares its limits. Exact addresses, no ranges. In the environment: a comma-separated list. See [Per-IP limits](#per-ip-limits).',
      { ips: true },
    ),
  }),
  dataDir: str('./data', 'Folder for the SQLite file and other data, relative to the working directory; created if missing.'),
  store: section({
    driver: oneOf(
      'sqlite',
      ['sqlite', 'postgres', 'mysql'],
      'Storage engine: `sqlite` (a file in `dataDir`, one server process; settings `store.sqlite.*`), `postgres` (a PostgreSQL database that several processes and machines share; settings `store.postgres.*`) or `mysql` (MySQL 8 or MariaDB 10.6 and later, shared the same way; settings `store.mysql.*`). See [deploy](deploy.md).',
    ),
    batchMaxMessages: int(
      1000,
      1,
      100000,
      'Most writes (messages, actions, read and delivery cursor moves) one write transaction (group commit) carries. Bounds the work of one event-loop turn: the next batch starts only after the server has read its sockets and answered pings and health checks.',
    ),
    commitDelayMaxMs: int(
      5,
      0,
      1000,
      "Most milliseconds a write batch waits for more writes before it commits. Below this bound the wait follows what commits have recently cost (twice their moving average): on a fast disk batches go out almost at once, on a slow one (an SD card's fsync takes milliseconds) more writes share each commit. Adds at most this much to an ack's latency; 0 commits as soon as the event loop is free.",
    ),
    writeQueuePauseMs: int(
      100,
      1,
      600000,
      "Backpressure: once the oldest write in the queue has waited this long (ms), the server stops reading from the connections that send (their frames wait in the kernel, then in the client's TCP window) until the queue has caught up (down to half of it). A server offered more than it can store keeps its memory and its turns bounded and spends its time storing, not reading what it cannot store yet; nothing is refused or lost, clients see slower acks.",
    ),
    sqlite: section({
      file: str('warbler.db', 'SQLite file name inside `dataDir`.'),
      synchronous: oneOf(
        'full',
        ['full', 'normal'],
        'SQLite `synchronous`: `full` (an acknowledged message survives a power cut) or `normal` (faster; survives a crash of the process, not of the machine).',
      ),
      checkpointPages: int(
        1000,
        100,
        1000000,
        "Pages (4 KiB) the write-ahead log may hold before a commit copies it back into the database file (SQLite's `wal_autocheckpoint`). More pages: a page rewritten by many commits is copied back once, at the price of a larger log file and a longer pause in the commit that copies it.",
      ),
      cacheMb: int(
        16,
        1,
        65536,
        "SQLite's page cache, MiB (better-sqlite3's own default is 16). A cache that holds the hot index pages (the tails of the conversations being written, the conversation and member rows) keeps the cost of a message flat as the store grows; see [benchmarks](benchmarks.md).",
      ),
      mmapMb: int(0, 0, 1048576, 'How much of the database file SQLite reads through a memory map instead of read calls, MiB (0: none).'),
    }),
    mysql: section({
      url: str(
        '',
        'The MySQL or MariaDB database, as `mysql://user:password@host:3306/database` (percent-encode special characters of the password); required with `store.driver` `mysql`. The database must exist; Warbler creates its tables in it (utf8mb4). mysql2\'s connection options go as query parameters, e.g. `?ssl={"rejectUnauthorized":true}`. Better given in the environment (`WARBLER_STORE_MYSQL_URL`) than in a file.',
      ),
      poolSize: int(
        10,
        1,
        1000,
        'Most connections this process opens to the database. Each open transaction holds one; the group commit uses one at a time, other writes and reads the rest.',
      ),
      connectTimeoutMs: int(10000, 100, 600000, 'How long a connection to the database may take to open, ms.'),
    }),
    postgres: section({
      url: str(
        '',
        'Connection URL of the PostgreSQL database when `store.driver` is `postgres`: `postgres://USER:PASSWORD@HOST:PORT/DATABASE`, with `?sslmode=require` for TLS. The database must exist; the server creates its tables and the `pg_trgm` extension (search) on start. A wrong host, user, password or database stops the start with one line naming this key; so does a database migrated by a newer Warbler. Keep the password out of shell history: set `WARBLER_STORE_POSTGRES_URL` in a file only the service reads.',
      ),
      poolSize: int(
        10,
        1,
        1000,
        "Most connections one server process opens to PostgreSQL; writes (one group commit at a time) and reads share them. Several processes on one database: keep their sum under the server's `max_connections`.",
      ),
      connectTimeoutMs: int(10000, 100, 600000, 'How long opening a connection to PostgreSQL may take before it fails, ms.'),
    }),
  }),
  bus: section({
    driver: oneOf(
      'memory',
      ['memory', 'redis'],
      'How events reach connections and where the online registry lives: `memory` (one process) or `redis` (several processes or machines on one Redis; settings `bus.redis.*`). See [Several processes on Redis](deploy.md#several-processes-on-redis).',
    ),
    redis: section({
      url: str(
        'redis://127.0.0.1:6379',
        'The Redis server, `redis://[[user]:password@]host[:port][/db]` (`rediss://` for TLS). With `bus.redis.sentinels` its host and port are not used (its password and db are). One Redis (standalone, or a primary with replicas behind Sentinel); a Redis Cluster is refused at start. A URL that does not answer fails the start.',
      ),
      keyPrefix: str(
        'warbler:',
        'Prefix of every Redis key and of the pub/sub channel: several deployments can share one Redis (or one database) with different prefixes. Every process of one deployment must use the same.',
      ),
      registryTtlMs: int(
        15000,
        1000,
        600000,
        "How long a process's online-registry entries outlive it, ms: each process renews its liveness key every third of this; when it stops renewing (killed, cut off from Redis), another process drops its entries and announces its users offline within this time plus a third.",
      ),
      sentinels: list(
        'Redis Sentinels as `host:port`, e.g. `["10.0.0.1:26379", "10.0.0.2:26379"]`: when set, the processes ask them for the current primary of `bus.redis.sentinelName` and follow a failover. Empty: `bus.redis.url` is the server. In the environment: a comma-separated list.',
      ),
      sentinelName: str('mymaster', "The primary's name in the Sentinels' configuration (used only with `bus.redis.sentinels`)."),
    }),
  }),
  auth: section({
    registration: oneOf(
      'invite',
      ['open', 'invite', 'closed'],
      'Who may create an account with `auth.register`: `open` (anyone who can reach the server), `invite` (only with an invite code an admin made with `warbler invite create` or the admin API; without one `invite_required`, with a bad one `invite_invalid`) or `closed` (nobody: `registration_closed`). `warbler user add` and the admin API create accounts under every policy. Every start logs the policy in force. See [Registration](#registration).',
    ),
    registrationsPerIpPerHour: int(
      200,
      0,
      1000000,
      '`auth.register` attempts one client address may make, successful or not: this many at once, then this many per hour; more get `rate_limited`. 0: no limit.',
    ),
    loginsPerIpPerMinute: int(
      300,
      0,
      1000000,
      '`auth.login` attempts one client address may make, right or wrong: this many at once, then this many per minute; more get `rate_limited`. Bounds the password hashing one address can ask for. 0: no limit. (`auth.resume` is not counted.)',
    ),
    failedLoginsPerIpPerHour: int(
      100,
      0,
      1000000,
      'Failed logins one client address may make across all usernames (against password spraying): this many, then this many per hour; past it every login from the address gets `rate_limited` until the count drains. Logins in flight count. 0: no limit.',
    ),
    loginThrottle: section({
      freeFailures: int(
        5,
        1,
        1000,
        'Failed logins one **username** may have, whatever the address, before its login throttle starts: past them, logins for it are refused (`rate_limited`) without checking the password until a delay has passed, and only one attempt at a time is checked. Attempts in flight count. See [Per-IP limits](#per-ip-limits).',
      ),
      baseDelayMs: int(
        1000,
        1,
        3600000,
        "The login throttle's first delay, ms: after the last free failure; each further failure doubles it, up to `auth.loginThrottle.maxDelayMs`.",
      ),
      maxDelayMs: int(
        900000,
        1,
        86400000,
        "The login throttle's longest delay, ms (the default is 15 minutes); at least `auth.loginThrottle.baseDelayMs`.",
      ),
      resetAfterHours: int(
        24,
        1,
        8760,
        'A username without failed logins for this many hours starts again from zero failures (so does a successful login).',
      ),
    }),
    tokenTtlDays: int(30, 1, 3650, 'Lifetime of a device token from login or `auth.refresh`, in days.'),
    minPasswordLength: int(8, 1, 1024, 'Shortest password accepted, in characters.'),
    scryptCost: int(
      16384,
      1024,
      1048576,
      'scrypt cost parameter N for new password hashes. Higher is slower to guess and to log in (memory per hash: 1 KiB × N). Existing hashes keep their cost.',
      { powerOfTwo: true },
    ),
  }),
  gateway: section({
    path: str('/ws', 'URL path of the WebSocket endpoint; other paths get HTTP 404 on upgrade.'),
    maxFrameBytes: int(
      LIMITS.maxFrameBytes,
      1024,
      16 * 1024 * 1024,
      'Largest frame a client may send, in bytes; a larger one closes the connection with 1009. Reported to clients by `hello`.',
    ),
    heartbeatMs: int(
      30000,
      1000,
      3600000,
      'A connection from which nothing arrived for this long (ms) gets a WebSocket ping. Reported by `hello`.',
    ),
    idleTimeoutMs: int(
      75000,
      2000,
      3600000,
      'A connection from which nothing (not even a pong) arrived for this long (ms) is closed with 4002; must be greater than `gateway.heartbeatMs`.',
    ),
    authTimeoutMs: int(
      10000,
      100,
      600000,
      'A connection must be authenticated within this time (ms) of opening, or it is closed with 4003.',
    ),
    maxBufferedBytes: int(
      1024 * 1024,
      1024,
      1024 * 1024 * 1024,
      'A connection with more unsent bytes queued than this is closed as a slow consumer (4001; the client reconnects and syncs).',
    ),
    framesPerSecond: int(
      200,
      1,
      1000000,
      'Request frames per second a connection may send, sustained; above it requests get `rate_limited`.',
    ),
    framesBurst: int(400, 1, 1000000, 'Request frames a connection may send in a burst above the sustained rate.'),
    maxConnectionsPerIp: int(
      2000,
      0,
      10000000,
      'Open WebSocket connections one client address may have; one more is refused at the upgrade with HTTP 429. 0: no limit.',
    ),
  }),
  limits: section({
    maxTextChars: int(
      LIMITS.maxTextChars,
      1,
      1000000,
      'Longest message text, in UTF-16 code units; longer gets `text_too_long`. Reported by `hello`.',
    ),
    maxContentBytes: int(
      16384,
      256,
      1048576,
      "Most bytes of a message's `custom` content or `media` metadata, JSON-encoded; more gets `content_too_large`.",
    ),
  }),
  messages: section({
    recallWindowSeconds: int(
      120,
      0,
      31536000,
      'How long after sending the author may recall a message (0: never); later gets `recall_window_passed`. Group admins and the owner may recall any message at any time.',
    ),
    editWindowSeconds: int(
      172800,
      0,
      31536000,
      'How long after sending the author may edit a message; 0 means no limit. Later gets `edit_window_passed`.',
    ),
    directFrom: oneOf(
      'anyone',
      ['anyone', 'contacts'],
      'Who may start a one-to-one conversation (send its first message): `anyone`, or `contacts` (friends and members of a shared group; others get `not_contact` and nothing is stored). A conversation that exists keeps working either way.',
    ),
  }),
  groups: section({
    maxMembers: int(2000, 2, 100000, 'Member cap of every group; an add or join past it gets `group_full`.'),
    whoReadMaxMembers: int(
      100,
      0,
      100000,
      'Groups up to this many members report who read a message (`msg.receipts`); larger ones report counts only. 0 turns who-read off.',
    ),
  }),
  presence: section({
    typingIntervalMs: int(
      1000,
      0,
      60000,
      'Least time (ms) between two `typing` frames of one connection for one conversation; sooner gets `rate_limited`.',
    ),
    maxWatched: int(1000, 1, 100000, 'Most users one connection may watch with `presence.watch`; more gets `request_too_large`.'),
  }),
  search: section({
    minQueryChars: int(2, 1, 100, 'Shortest `msg.search` query in characters; shorter gets `invalid_query`.'),
  }),
  directory: section({
    searchMinChars: int(3, 1, 32, 'Shortest `user.search` prefix in characters; shorter gets `invalid_query`.'),
    searchMaxResults: int(20, 1, 50, 'Most users one `user.search` answers with, whatever its `limit`.'),
    lookupBurst: int(
      100,
      0,
      1000000,
      'Lookups of strangers a user may make at once (see [protocol.md](protocol.md#finding-users): `user.get`, `user.search`, `friend.request`, `block.add`, adding to a group, and the first message to a user who is not a friend or group mate); past it they get `rate_limited`. 0: no limit. Server admins are not limited.',
    ),
    lookupsPerHour: int(200, 1, 100000000, 'Lookups of strangers a user regains per hour after the burst.'),
  }),
  admin: section({
    listener: oneOf(
      'on',
      ['on', 'off'],
      '`on`: a second listener, the **admin listener**, serves the [admin API](admin-api.md), `/metrics` (without a key) and `/healthz` and `/readyz` on `admin.host`:`admin.port`; `off`: there is none.',
    ),
    host: str(
      '127.0.0.1',
      'Interface of the admin listener. The default keeps it on this machine; empty means every interface (then firewall it: `/metrics` needs no key there).',
    ),
    port: int(
      9090,
      0,
      65535,
      'TCP port of the admin listener; 0 picks a free port (logged as `adminUrl` in the `listening` line). Must differ from `server.port`.',
    ),
    publicPaths: oneOf(
      'none',
      ['none', 'metrics', 'all'],
      "What the public port (`server.port`) serves of the admin surface: `none` (`/metrics` and `/api/admin/*` answer 404 there), `metrics` (`/metrics`, to an API key with `metrics:read`), `all` (`/metrics` and the admin API, each to a key with the route's scope).",
    ),
  }),
  audit: section({
    retentionDays: int(90, 1, 3650, 'Stored [audit entries](admin-api.md#audit-log) older than this many days are deleted.'),
    maxRows: int(1_000_000, 1000, 1_000_000_000, 'Most audit entries stored; the oldest are deleted first.'),
  }),
  log: section({
    level: oneOf(
      'info',
      ['debug', 'info', 'warn', 'error', 'silent'],
      'Least severe log level written (one JSON object per line on stderr).',
    ),
  }),
});

/** The validated configuration. */
export type Config = Static<typeof CONFIG_SCHEMA>;
