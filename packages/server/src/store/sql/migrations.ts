import type { Dialect } from './dialect.js';

/**
 * A statement that only some dialects run, for what has no portable form (SQLite's FTS5 search table).
 * The other dialects skip it but still record the migration's version as applied: what they need in
 * its place comes in a later migration of their own (`{ only: ['postgres'], sql: ... }`).
 */
export interface DialectStep {
  only: readonly Dialect['name'][];
  sql: string;
}

/** One statement of a migration: portable SQL (every dialect runs it), or a dialect-only step. */
export type MigrationStep = string | DialectStep;

/** The SQL of `step` for `dialect`, or undefined when that dialect skips it. */
export function stepSql(step: MigrationStep, dialect: Dialect['name']): string | undefined {
  if (typeof step === 'string') return step;
  return step.only.includes(dialect) ? step.sql : undefined;
}

/**
 * Versioned schema migrations, written once for every dialect (`{{id}}`, `{{bigint}}`, `{{text}}`
 * are filled in by the dialect). Applied in order; each version runs once, recorded in
 * `schema_migrations`. Never edit a released migration: add the next one. A step that only some
 * dialects can run is a `DialectStep`.
 */
export const MIGRATIONS: readonly { version: number; name: string; up: readonly MigrationStep[] }[] = [
  {
    version: 1,
    name: 'accounts, devices, conversations, messages',
    up: [
      `CREATE TABLE users (
        id {{id}},
        username VARCHAR(64) NOT NULL UNIQUE,
        display_name VARCHAR(256) NOT NULL,
        password_hash VARCHAR(256) NOT NULL,
        is_admin SMALLINT NOT NULL DEFAULT 0,
        created_at {{bigint}} NOT NULL
      )`,
      `CREATE TABLE devices (
        id {{id}},
        user_id {{bigint}} NOT NULL REFERENCES users(id),
        name VARCHAR(64) NOT NULL,
        token_hash CHAR(64) NOT NULL UNIQUE,
        created_at {{bigint}} NOT NULL,
        last_seen_at {{bigint}} NOT NULL,
        expires_at {{bigint}} NOT NULL,
        revoked_at {{bigint}}
      )`,
      `CREATE INDEX devices_user ON devices (user_id)`,
      `CREATE TABLE conversations (
        id VARCHAR(40) NOT NULL PRIMARY KEY,
        kind VARCHAR(16) NOT NULL,
        last_seq {{bigint}} NOT NULL DEFAULT 0,
        created_at {{bigint}} NOT NULL,
        updated_at {{bigint}} NOT NULL
      )`,
      `CREATE TABLE members (
        conv_id VARCHAR(40) NOT NULL REFERENCES conversations(id),
        user_id {{bigint}} NOT NULL REFERENCES users(id),
        read_seq {{bigint}} NOT NULL DEFAULT 0,
        joined_at {{bigint}} NOT NULL,
        PRIMARY KEY (conv_id, user_id)
      )`,
      `CREATE INDEX members_user ON members (user_id)`,
      `CREATE TABLE messages (
        id {{id}},
        conv_id VARCHAR(40) NOT NULL REFERENCES conversations(id),
        seq {{bigint}} NOT NULL,
        sender_id {{bigint}} NOT NULL REFERENCES users(id),
        client_id VARCHAR(64) NOT NULL,
        kind VARCHAR(16) NOT NULL,
        body {{text}} NOT NULL,
        created_at {{bigint}} NOT NULL,
        UNIQUE (conv_id, seq),
        UNIQUE (sender_id, client_id)
      )`,
    ],
  },
  {
    version: 2,
    name: 'groups: settings, roles, mutes, join requests',
    up: [
      // The group of conversation `g:<id>`; conv_id is set right after the insert, in the same transaction.
      // A dissolved group keeps its row (dissolved_at set) and loses its members. Not named `groups`:
      // that is a reserved word in MySQL 8.
      `CREATE TABLE chat_groups (
        id {{id}},
        conv_id VARCHAR(40) UNIQUE,
        name VARCHAR(256) NOT NULL,
        avatar VARCHAR(2048),
        description {{text}},
        announcement {{text}},
        owner_id {{bigint}} NOT NULL REFERENCES users(id),
        join_policy VARCHAR(16) NOT NULL DEFAULT 'open',
        muted_all SMALLINT NOT NULL DEFAULT 0,
        created_at {{bigint}} NOT NULL,
        updated_at {{bigint}} NOT NULL,
        dissolved_at {{bigint}}
      )`,
      // Role in a group ('owner' | 'admin' | 'member'; one-to-one rows keep 'member'), and the end of a
      // member's mute (milliseconds since the epoch; 0 = not muted).
      `ALTER TABLE members ADD COLUMN role VARCHAR(8) NOT NULL DEFAULT 'member'`,
      `ALTER TABLE members ADD COLUMN muted_until {{bigint}} NOT NULL DEFAULT 0`,
      // Pending requests to join a group whose policy is 'approval'; deleted when handled.
      `CREATE TABLE group_requests (
        group_id {{bigint}} NOT NULL REFERENCES chat_groups(id),
        user_id {{bigint}} NOT NULL REFERENCES users(id),
        message VARCHAR(512),
        created_at {{bigint}} NOT NULL,
        PRIMARY KEY (group_id, user_id)
      )`,
    ],
  },
  {
    version: 3,
    name: 'message actions, receipts, conversation flags',
    up: [
      // Set on a content message when it is edited (its body then holds the latest content) or recalled
      // (its body is then `{}`); reactions is a JSON object emoji -> array of user ids, or NULL.
      `ALTER TABLE messages ADD COLUMN edited_at {{bigint}}`,
      `ALTER TABLE messages ADD COLUMN recalled_at {{bigint}}`,
      `ALTER TABLE messages ADD COLUMN reactions {{text}}`,
      // Per member: delivery cursor (receipts), last sequence that mentions the member, list flags.
      `ALTER TABLE members ADD COLUMN delivered_seq {{bigint}} NOT NULL DEFAULT 0`,
      `ALTER TABLE members ADD COLUMN mention_seq {{bigint}} NOT NULL DEFAULT 0`,
      `ALTER TABLE members ADD COLUMN pinned SMALLINT NOT NULL DEFAULT 0`,
      `ALTER TABLE members ADD COLUMN muted SMALLINT NOT NULL DEFAULT 0`,
      `ALTER TABLE members ADD COLUMN archived SMALLINT NOT NULL DEFAULT 0`,
      // Messages a user deleted for themself: left out of (tombstoned in) what that user reads.
      `CREATE TABLE hidden_messages (
        user_id {{bigint}} NOT NULL REFERENCES users(id),
        conv_id VARCHAR(40) NOT NULL,
        seq {{bigint}} NOT NULL,
        PRIMARY KEY (user_id, conv_id, seq)
      )`,
    ],
  },
  {
    version: 4,
    name: 'contacts and profiles',
    up: [
      // Profile: an avatar reference (URL or attachment id) and a bio; NULL when unset.
      `ALTER TABLE users ADD COLUMN avatar VARCHAR(2048)`,
      `ALTER TABLE users ADD COLUMN bio VARCHAR(2048)`,
      // 'anyone' | 'approval' | 'nobody': who may send the user friend requests.
      `ALTER TABLE users ADD COLUMN friend_policy VARCHAR(16) NOT NULL DEFAULT 'approval'`,
      // 'everyone' | 'contacts' | 'nobody': who sees the user online and their last-seen time.
      `ALTER TABLE users ADD COLUMN presence_privacy VARCHAR(16) NOT NULL DEFAULT 'contacts'`,
      // A friendship is two rows, one per direction, so each user's friends are one index range.
      `CREATE TABLE friendships (
        user_id {{bigint}} NOT NULL REFERENCES users(id),
        friend_id {{bigint}} NOT NULL REFERENCES users(id),
        created_at {{bigint}} NOT NULL,
        PRIMARY KEY (user_id, friend_id)
      )`,
      // Pending requests only: accepting or declining deletes the row.
      `CREATE TABLE friend_requests (
        from_id {{bigint}} NOT NULL REFERENCES users(id),
        to_id {{bigint}} NOT NULL REFERENCES users(id),
        message VARCHAR(1024),
        created_at {{bigint}} NOT NULL,
        PRIMARY KEY (from_id, to_id)
      )`,
      `CREATE INDEX friend_requests_to ON friend_requests (to_id)`,
      `CREATE TABLE blocks (
        blocker_id {{bigint}} NOT NULL REFERENCES users(id),
        blocked_id {{bigint}} NOT NULL REFERENCES users(id),
        created_at {{bigint}} NOT NULL,
        PRIMARY KEY (blocker_id, blocked_id)
      )`,
    ],
  },
  {
    version: 5,
    name: 'message search',
    up: [
      // The searchable text of each content message (text, caption, file name, place), by message id,
      // NFKC-normalized and lower-cased by the search indexer. Portable: every dialect keeps it.
      `CREATE TABLE message_text (
        id {{bigint}} NOT NULL PRIMARY KEY,
        text {{text}} NOT NULL
      )`,
      // The indexer's position: every message with an id up to last_id has been indexed.
      `CREATE TABLE search_progress (
        id SMALLINT NOT NULL PRIMARY KEY,
        last_id {{bigint}} NOT NULL
      )`,
      `INSERT INTO search_progress (id, last_id) VALUES (1, 0)`,
      // SQLite: a trigram index over message_text (external content: the text is stored once), which
      // finds the messages holding every 3-character piece of a query in any script. detail=none keeps it
      // small; the query checks the text itself for the exact substring.
      {
        only: ['sqlite'],
        sql: `CREATE VIRTUAL TABLE message_search USING fts5(
          text, content = 'message_text', content_rowid = 'id', tokenize = 'trigram case_sensitive 1', detail = none
        )`,
      },
    ],
  },
  {
    version: 6,
    name: 'retry index in client id order',
    // The retry check looks messages up by (sender, clientId). Keyed sender first (migration 1's
    // UNIQUE (sender_id, client_id)), every new message lands on its sender's own index page: one more
    // page rewritten per message per commit, the largest single cost of storing a message once the
    // database is large (docs/benchmarks.md). Keyed clientId first, the time-ordered ids of the SDK (and
    // the bench's counters) put the new entries of a batch side by side. Same uniqueness, same lookup.
    // SQLite cannot drop a table constraint's index: the table is rebuilt, keeping every id and the
    // AUTOINCREMENT position. PostgreSQL and MySQL will swap the constraint in a migration of their own.
    up: [
      { only: ['sqlite'], sql: 'ALTER TABLE messages RENAME TO messages_v5' },
      {
        only: ['sqlite'],
        sql: `CREATE TABLE messages (
          id {{id}},
          conv_id VARCHAR(40) NOT NULL REFERENCES conversations(id),
          seq {{bigint}} NOT NULL,
          sender_id {{bigint}} NOT NULL REFERENCES users(id),
          client_id VARCHAR(64) NOT NULL,
          kind VARCHAR(16) NOT NULL,
          body {{text}} NOT NULL,
          created_at {{bigint}} NOT NULL,
          edited_at {{bigint}},
          recalled_at {{bigint}},
          reactions {{text}},
          UNIQUE (conv_id, seq)
        )`,
      },
      {
        only: ['sqlite'],
        sql: `INSERT INTO messages (id, conv_id, seq, sender_id, client_id, kind, body, created_at, edited_at, recalled_at, reactions)
          SELECT id, conv_id, seq, sender_id, client_id, kind, body, created_at, edited_at, recalled_at, reactions FROM messages_v5 ORDER BY id`,
      },
      { only: ['sqlite'], sql: 'CREATE UNIQUE INDEX messages_retry ON messages (client_id, sender_id)' },
      {
        only: ['sqlite'],
        sql: `INSERT INTO sqlite_sequence (name, seq) SELECT 'messages', seq FROM sqlite_sequence
          WHERE name = 'messages_v5' AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'messages')`,
      },
      {
        only: ['sqlite'],
        sql: `UPDATE sqlite_sequence SET seq = (SELECT MAX(seq) FROM sqlite_sequence WHERE name IN ('messages', 'messages_v5'))
          WHERE name = 'messages'`,
      },
      { only: ['sqlite'], sql: 'DROP TABLE messages_v5' },
    ],
  },
  {
    version: 7,
    name: 'login throttle state, registration invites',
    up: [
      // The login throttle and per-IP limits, kept across restarts (written in batches, about once a second):
      // one row per limiter key, e.g. `login:user:alice`. A row past expires_at means nothing; each write
      // deletes those.
      `CREATE TABLE auth_limits (
        limit_key VARCHAR(128) NOT NULL PRIMARY KEY,
        hits {{bigint}} NOT NULL,
        locked_until {{bigint}} NOT NULL,
        set_at {{bigint}} NOT NULL,
        expires_at {{bigint}} NOT NULL
      )`,
      `CREATE INDEX auth_limits_expiry ON auth_limits (expires_at)`,
      // Invite codes for auth.registration = 'invite': only the SHA-256 of a code is stored. created_by is
      // the admin account that made it, NULL for the CLI.
      `CREATE TABLE invites (
        id {{id}},
        code_hash CHAR(64) NOT NULL UNIQUE,
        note VARCHAR(256),
        max_uses {{bigint}} NOT NULL,
        uses {{bigint}} NOT NULL DEFAULT 0,
        created_at {{bigint}} NOT NULL,
        expires_at {{bigint}} NOT NULL,
        created_by {{bigint}} REFERENCES users(id),
        revoked_at {{bigint}}
      )`,
    ],
  },
  {
    version: 8,
    name: 'admin: API keys, audit log, disabled and deleted accounts, account changes',
    up: [
      // Admin credentials, apart from chat tokens: only the SHA-256 of a key is kept (like device tokens).
      // `scopes` is a comma-separated list of API_SCOPES.
      `CREATE TABLE api_keys (
        id {{id}},
        name VARCHAR(64) NOT NULL,
        scopes VARCHAR(256) NOT NULL,
        key_hash CHAR(64) NOT NULL UNIQUE,
        created_at {{bigint}} NOT NULL,
        last_used_at {{bigint}},
        revoked_at {{bigint}}
      )`,
      // Logins, account changes and admin actions; bounded by audit.retentionDays and audit.maxRows.
      // No foreign key on user_id: an entry may name a username that never existed (a failed login).
      `CREATE TABLE audit_log (
        id {{id}},
        at {{bigint}} NOT NULL,
        event VARCHAR(32) NOT NULL,
        user_id {{bigint}},
        actor VARCHAR(128),
        ip VARCHAR(64),
        device_id {{bigint}},
        detail {{text}}
      )`,
      `CREATE INDEX audit_log_at ON audit_log (at)`,
      `CREATE INDEX audit_log_user ON audit_log (user_id, id)`,
      `CREATE INDEX audit_log_event ON audit_log (event, id)`,
      // A disabled account cannot log in or resume; a deleted one is a tombstone (its personal data
      // cleared, its username freed) that keeps its id for the messages it sent.
      `ALTER TABLE users ADD COLUMN disabled_at {{bigint}}`,
      `ALTER TABLE users ADD COLUMN deleted_at {{bigint}}`,
      `CREATE INDEX users_deleted ON users (deleted_at)`,
      // What running servers must act on (close sessions, finish a deletion) when an account changes,
      // wherever the change was made (the admin API, or the CLI in another process). Short-lived rows.
      `CREATE TABLE account_changes (
        id {{id}},
        user_id {{bigint}} NOT NULL,
        kind VARCHAR(16) NOT NULL,
        at {{bigint}} NOT NULL
      )`,
    ],
  },
  {
    version: 9,
    name: 'copies of message text, emptied by a recall',
    // A recall removes its target's text from every entry that copied it: the target's `edit` entries and
    // the quotes in replies. message_copies records those entries by their target as they are stored, so
    // a recall finds them with one index lookup inside its transaction instead of scanning the
    // conversation. Before this version a recall emptied its target only: the SQLite steps record the
    // copies already stored (one pass over messages, reading JSON only where it can be a copy), empty those
    // of messages recalled already, and forget the copies of recalled messages. PostgreSQL and MySQL will
    // bring their own steps with their JSON functions, before they hold data.
    up: [
      `CREATE TABLE message_copies (
        conv_id VARCHAR(40) NOT NULL,
        target_seq {{bigint}} NOT NULL,
        seq {{bigint}} NOT NULL,
        PRIMARY KEY (conv_id, target_seq, seq)
      )`,
      {
        only: ['sqlite'],
        sql: `INSERT OR IGNORE INTO message_copies (conv_id, target_seq, seq)
          SELECT conv_id, json_extract(body, '$.target'), seq FROM messages
          WHERE kind = 'edit' AND json_valid(body) AND json_type(body, '$.target') = 'integer'`,
      },
      {
        only: ['sqlite'],
        sql: `INSERT OR IGNORE INTO message_copies (conv_id, target_seq, seq)
          SELECT conv_id, json_extract(body, '$.replyTo.seq'), seq FROM messages
          WHERE kind IN ('text', 'image', 'file', 'audio', 'video', 'location', 'custom') AND instr(body, '"replyTo"') > 0
            AND json_valid(body) AND json_type(body, '$.replyTo.seq') = 'integer'`,
      },
      {
        only: ['sqlite'],
        sql: `UPDATE messages SET body = json_object('target', json_extract(body, '$.target'), 'recalled', json('true'))
          WHERE kind = 'edit' AND (conv_id, seq) IN (
            SELECT c.conv_id, c.seq FROM message_copies c JOIN messages t ON t.conv_id = c.conv_id AND t.seq = c.target_seq
            WHERE t.recalled_at IS NOT NULL)`,
      },
      {
        only: ['sqlite'],
        sql: `UPDATE messages SET body = json_set(json_remove(body, '$.replyTo.text'), '$.replyTo.recalled', json('true'))
          WHERE kind <> 'edit' AND (conv_id, seq) IN (
            SELECT c.conv_id, c.seq FROM message_copies c JOIN messages t ON t.conv_id = c.conv_id AND t.seq = c.target_seq
            WHERE t.recalled_at IS NOT NULL)`,
      },
      {
        only: ['sqlite'],
        sql: `DELETE FROM message_copies WHERE (conv_id, target_seq) IN (SELECT conv_id, seq FROM messages WHERE recalled_at IS NOT NULL)`,
      },
    ],
  },
  {
    version: 10,
    name: 'store locks',
    // MySQL/MariaDB: one row per store lock (dialect.ts `StoreLock`), locked shared or exclusive
    // (`Dialect.lock`). SQLite runs one transaction at a time and needs none; PostgreSQL takes advisory
    // locks, which need no table.
    up: [
      { only: ['mysql'], sql: 'CREATE TABLE store_locks (lock_key VARCHAR(32) NOT NULL PRIMARY KEY)' },
      { only: ['mysql'], sql: "INSERT INTO store_locks (lock_key) VALUES ('message_ids'), ('contacts'), ('auth_limits')" },
    ],
  },
  {
    version: 11,
    name: 'PostgreSQL: trigram search index, retry index in client id order',
    // PostgreSQL's own steps for what migrations 5 and 6 did on SQLite alone. Search: a GIN trigram index
    // (pg_trgm, a trusted extension: the database owner may create it) over message_text answers the
    // `LIKE '%…%'` of search-engine-postgres-trgm.ts. Retry index: migration 1's UNIQUE (sender_id,
    // client_id) swapped for the same uniqueness keyed client id first (why: migration 6). Nothing on
    // SQLite or MySQL (a MySQL database that ran migration 10 records 11 and changes nothing).
    up: [
      { only: ['postgres'], sql: 'CREATE EXTENSION IF NOT EXISTS pg_trgm' },
      { only: ['postgres'], sql: 'CREATE INDEX message_text_trgm ON message_text USING gin (text gin_trgm_ops)' },
      { only: ['postgres'], sql: 'ALTER TABLE messages DROP CONSTRAINT messages_sender_id_client_id_key' },
      { only: ['postgres'], sql: 'CREATE UNIQUE INDEX messages_retry ON messages (client_id, sender_id)' },
    ],
  },
];
