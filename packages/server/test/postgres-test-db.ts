import { createHash, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import postgres from 'postgres';
import { describeUrl } from '../src/store/sql/sql-client-postgres.js';

/**
 * Test databases on the PostgreSQL the tests use: `WARBLER_TEST_POSTGRES_URL`, by default the
 * superuser of this machine's server over TCP (trust auth for 127.0.0.1, as `.ci/run` sets up). Each
 * test database is made here and dropped by the test that made it; no other database is touched.
 */
export const TEST_POSTGRES_URL = process.env.WARBLER_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The URL of database `name` on the test server. */
export function databaseUrl(name: string): string {
  const u = new URL(TEST_POSTGRES_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A database name for `key` (a data folder's path): the same key, the same name. */
export const databaseNameFor = (key: string): string =>
  `warbler_test_${createHash('sha256').update(resolve(key)).digest('hex').slice(0, 20)}`;

/** A new database name no other test uses. */
export const uniqueDatabaseName = (): string => `warbler_test_${randomBytes(10).toString('hex')}`;

/** Runs `fn` on a short-lived connection to the test server's maintenance database. */
async function onAdmin<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => undefined, connect_timeout: 10 });
  try {
    return await fn(sql);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'CONNECT_TIMEOUT' || code === '28P01' || code === '28000')
      throw new Error(
        `these tests need PostgreSQL at ${describeUrl(TEST_POSTGRES_URL)} (${(e as Error).message}): start it (.ci/run shows how) or point WARBLER_TEST_POSTGRES_URL at one`,
      );
    throw e;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Creates database `name` unless it exists; returns its URL. */
export async function createDatabase(name: string): Promise<string> {
  await onAdmin(async (sql) => {
    try {
      await sql.unsafe(`CREATE DATABASE ${name} ENCODING 'UTF8' TEMPLATE template0`);
    } catch (e) {
      if ((e as { code?: string }).code !== '42P04') throw e; // duplicate_database: made by an earlier start
    }
  });
  return databaseUrl(name);
}

/** Drops database `name` if it exists, closing whatever connections are left on it. */
export async function dropDatabase(name: string): Promise<void> {
  await onAdmin((sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
