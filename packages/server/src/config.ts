import { RENAMED } from './config/aliases.js';
import { ConfigError } from './config/error.js';
import { defaultsOf, loadSettings, type LoadOptions as SettingsLoadOptions } from './config/load.js';
import { CONFIG_SCHEMA, type Config } from './config/schema.js';
import { envName, leaves } from './config/setting.js';

export { ConfigError, CONFIG_SCHEMA, RENAMED, envName, type Config };

/**
 * The configuration: every setting's type, default, range and description is in `CONFIG_SCHEMA`
 * (config/schema.ts); docs/config.md's table is generated from it.
 * Precedence, lowest first: the defaults, the JSON config file, WARBLER_* environment variables,
 * command-line flags. Environment names are the key path in upper snake case:
 * `gateway.maxFrameBytes` is `WARBLER_GATEWAY_MAX_FRAME_BYTES`.
 */
export const DEFAULTS: Config = defaultsOf(CONFIG_SCHEMA) as Config;

type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };
/** A partial configuration, as a file or a test gives it. */
export type ConfigInput = DeepPartial<Config>;

/** Every key path of the schema, in its order, e.g. `gateway.maxFrameBytes`. */
export const CONFIG_KEYS: string[] = leaves(CONFIG_SCHEMA).map(([key]) => key);

export interface LoadOptions extends SettingsLoadOptions {
  overrides?: ConfigInput;
}

/** Rules between settings, checked after each setting passed its own: a message when broken. */
const RULES: ((c: Config) => string | undefined)[] = [
  (c) =>
    c.gateway.idleTimeoutMs <= c.gateway.heartbeatMs
      ? `gateway.idleTimeoutMs must be greater than gateway.heartbeatMs (got ${c.gateway.idleTimeoutMs})`
      : undefined,
  (c) =>
    c.admin.listener === 'on' && c.admin.port !== 0 && c.admin.port === c.server.port
      ? `admin.port must differ from server.port (got ${c.admin.port}; 0 picks a free port)`
      : undefined,
  ({ store: s }) =>
    s.driver === 'mysql' && !/^(mysql|mariadb):\/\/./.test(s.mysql.url)
      ? `store.mysql.url must be a mysql:// URL when store.driver is mysql (got ${JSON.stringify(s.mysql.url.replace(/:[^:@/]*@/, ':***@'))})`
      : undefined,
  ({ auth: { loginThrottle: t } }) =>
    t.maxDelayMs < t.baseDelayMs
      ? `auth.loginThrottle.maxDelayMs must be at least auth.loginThrottle.baseDelayMs (got ${t.maxDelayMs})`
      : undefined,
];

/**
 * Builds and validates the configuration; throws ConfigError naming the first bad key. A renamed key
 * (see `RENAMED`) still works; `opts.onDeprecated` hears of each one used.
 * @example loadConfig({ file: '/etc/warbler.json', env: process.env, onDeprecated: (m) => log.warn(m) })
 */
export function loadConfig(opts: LoadOptions = {}): Config {
  const { values, deprecated } = loadSettings(CONFIG_SCHEMA, opts, RENAMED);
  const c = values as Config;
  for (const rule of RULES) {
    const broken = rule(c);
    if (broken !== undefined) throw new ConfigError(`config: ${broken}`);
  }
  for (const message of deprecated) opts.onDeprecated?.(message);
  return c;
}
