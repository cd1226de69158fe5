import { createHash, randomBytes } from 'node:crypto';
import { API_SCOPES, isApiScope, type ApiScope } from '@warbler/protocol';
import { WarblerError } from '../errors.js';
import type { ApiKeyRow } from '../store/admin-store.js';
import type { Store } from '../store/store.js';
import type { AuditLog } from './audit.js';

/** The prefix of every API key, so a leaked one is recognisable (and never mistaken for a device token). */
export const API_KEY_PREFIX = 'wbk_';
/** `last_used_at` is written at most this often per key: a busy key costs one write a minute, not one a request. */
const TOUCH_EVERY_MS = 60_000;

/** An API key as `warbler apikey list` shows it: never the key, never its hash. */
export interface ApiKeyInfo {
  id: number;
  name: string;
  scopes: ApiScope[];
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

const info = ({ keyHash: _hash, ...k }: ApiKeyRow): ApiKeyInfo => k;
const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/**
 * Checks a list of scopes (`warbler apikey create --scope`): at least one, each from API_SCOPES; repeats
 * are dropped. Throws a plain Error naming the bad one (a usage error of the CLI, not a request's).
 */
export function parseScopes(input: readonly string[]): ApiScope[] {
  const scopes = input.flatMap((s) => s.split(',')).map((s) => s.trim());
  const bad = scopes.find((s) => !isApiScope(s));
  if (bad !== undefined) throw new Error(`unknown scope "${bad}": use ${API_SCOPES.join(', ')}`);
  if (scopes.length === 0) throw new Error(`give at least one --scope: ${API_SCOPES.join(', ')}`);
  return [...new Set(scopes as ApiScope[])];
}

/**
 * Admin credentials: API keys with scopes, created and revoked by the operator (`warbler apikey`), kept
 * hashed, checked on every admin request against the store (so a revocation by the CLI holds at once,
 * in every process).
 */
export class ApiKeys {
  /** When each key's last use was written, so that a burst of requests writes it once. */
  private readonly touched = new Map<number, number>();

  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
  ) {}

  /** Creates a key; the key itself is in the result only, never stored. */
  async create(scopes: readonly ApiScope[], name: string, actor: string): Promise<ApiKeyInfo & { key: string }> {
    const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
    const row = await this.store.admin.createApiKey({
      name: name.trim().slice(0, 64),
      scopes: [...scopes],
      keyHash: hashKey(key),
      createdAt: Date.now(),
    });
    this.audit.record({ event: 'apikey.create', actor, detail: { keyId: row.id, name: row.name, scopes: row.scopes.join(',') } });
    return { ...info(row), key };
  }

  async list(): Promise<ApiKeyInfo[]> {
    return (await this.store.admin.listApiKeys()).map(info);
  }

  /** Revokes a key; false when there is no such key or it was revoked already. */
  async revoke(id: number, actor: string): Promise<boolean> {
    const done = await this.store.admin.revokeApiKey(id, Date.now());
    if (done) this.audit.record({ event: 'apikey.revoke', actor, detail: { keyId: id } });
    return done;
  }

  /**
   * The key behind `key` when it grants `scope`. Throws `api_key_invalid` (401) for an unknown or revoked
   * key, `scope_missing` (403) for a key without the scope.
   */
  async authorize(key: string, scope: ApiScope): Promise<ApiKeyInfo> {
    const row = await this.store.admin.apiKeyByHash(hashKey(key));
    if (!row || row.revokedAt !== null) {
      const hint = key.startsWith('wb1_')
        ? ': a device token is not an admin credential; create an API key with `warbler apikey create`'
        : '';
      throw new WarblerError('api_key_invalid', `API key is unknown or revoked${hint}`);
    }
    if (!row.scopes.includes(scope)) throw new WarblerError('scope_missing', `this route needs an API key with the scope ${scope}`);
    const now = Date.now();
    if (now - (this.touched.get(row.id) ?? 0) >= TOUCH_EVERY_MS) {
      this.touched.set(row.id, now);
      await this.store.admin.touchApiKey(row.id, now);
    }
    return info(row);
  }
}
