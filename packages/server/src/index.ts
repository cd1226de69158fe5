export { startServer, type WarblerServer } from './server.js';
export { loadConfig, DEFAULTS, ConfigError, envName, CONFIG_KEYS, type Config, type ConfigInput } from './config.js';
export { createLogger, type Logger } from './logger.js';
export type { Store } from './store/store.js';
export type { Bus } from './bus/bus.js';
export { WarblerError } from './errors.js';
export { HOOK_NAMES, type Extension, type HookFunctions, type HookName, type LoginAttempt } from './hooks/hooks.js';
