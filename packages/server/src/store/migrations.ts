import type { Dialect } from './sql-client.js';

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
  // Version 2 is the groups migration; 4 contacts and profiles; 5 search (kept in version order).
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
];
