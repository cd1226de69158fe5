import { loadConfig, type Config, type ConfigInput } from '../config.js';
import { createLogger } from '../logger.js';
import { UsageError } from './prompt.js';

/** What a subcommand returns for `--help`: the caller prints the usage. */
export const HELP = Symbol('help');

/** The flags every command takes. */
export const COMMON = {
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * The configuration of a command: defaults, --config file, WARBLER_* environment, then its flags.
 * A renamed setting that was used is logged once, as a warning (at the configured log level).
 */
export function configFrom(values: { 'data-dir'?: string | undefined; config?: string | undefined }, extra: ConfigInput = {}): Config {
  const overrides: ConfigInput = { ...extra };
  if (values['data-dir'] !== undefined) overrides.dataDir = values['data-dir'];
  const deprecated: string[] = [];
  const config = loadConfig({
    file: values.config,
    env: process.env,
    overrides,
    overridesSource: 'command-line flags',
    onDeprecated: (m) => deprecated.push(m),
  });
  const logger = createLogger(config.log.level);
  for (const m of deprecated) logger.warn(m);
  return config;
}

/** Checks that a subcommand got exactly the positionals it takes (not needed for --help). */
export function expectPositionals(command: string, got: readonly string[], names: readonly string[], help: boolean | undefined): void {
  if (help || got.length === names.length) return;
  throw new UsageError(
    names.length === 0 ? `warbler ${command} takes no arguments` : `warbler ${command} takes exactly one ${names.join(' ')}`,
  );
}

/** Writes one JSON line to stdout: every command's result. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}
