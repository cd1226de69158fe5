/** A bad setting: the message names the key and what is wrong. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
