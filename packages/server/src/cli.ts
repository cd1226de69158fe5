#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { APIKEY_COMMANDS } from './cli/apikey-commands.js';
import { INVITE_COMMANDS } from './cli/invite-commands.js';
import { COMMON, HELP, configFrom } from './cli/args.js';
import { UsageError } from './cli/prompt.js';
import { StartError, startFailure } from './cli/start-errors.js';
import { USAGE, helpFor, versionLine } from './cli/usage.js';
import { USER_COMMANDS } from './cli/user-commands.js';
import { ConfigError, type ConfigInput } from './config.js';
import { WarblerError } from './errors.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { ...COMMON, port: { type: 'string' }, host: { type: 'string' } }, strict: true });
  if (values.help) return void process.stdout.write(helpFor('serve') + '\n');
  const server: ConfigInput['server'] = {};
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!/^\d+$/.test(values.port))
      throw new ConfigError(`config: server.port must be an integer from 0 to 65535 (got "${values.port}" from --port)`);
    server.port = port;
  }
  if (values.host !== undefined) server.host = values.host;
  const config = configFrom(values, values.port !== undefined || values.host !== undefined ? { server } : {});
  const logger = createLogger(config.log.level);
  const s = await startServer(config, logger).catch((e: unknown) => {
    throw startFailure(e, config) ?? e;
  });
  let signals = 0;
  const onSignal = (sig: string) => {
    if (++signals > 1) process.exit(1);
    logger.info('signal', { signal: sig });
    s.stop().then(
      () => process.exit(0),
      (e) => {
        logger.error('shutdown failed', { err: e });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

/** Runs `warbler GROUP SUB …` from one of the command tables. */
async function subcommand(
  group: string,
  table: Record<string, (args: string[]) => Promise<typeof HELP | void>>,
  [sub, ...args]: string[],
): Promise<void> {
  if (sub === '--help' || sub === '-h' || sub === 'help') return void process.stdout.write(helpFor(group) + '\n');
  const run = sub !== undefined && Object.hasOwn(table, sub) ? table[sub] : undefined;
  if (!run)
    throw new UsageError(`warbler ${group} takes one of: ${Object.keys(table).join(', ')}${sub === undefined ? '' : ` (got "${sub}")`}`);
  if ((await run(args)) === HELP) process.stdout.write(helpFor(`${group} ${sub}`) + '\n');
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === '--version' || cmd === 'version') return void process.stdout.write(versionLine() + '\n');
  if (cmd === 'help' && rest.length > 0) return void process.stdout.write(helpFor(rest.join(' ')) + '\n');
  if (cmd === 'serve') return serve(rest);
  if (cmd === 'user') return subcommand('user', USER_COMMANDS, rest);
  if (cmd === 'apikey') return subcommand('apikey', APIKEY_COMMANDS, rest);
  if (cmd === 'invite') return subcommand('invite', INVITE_COMMANDS, rest);
  process.stdout.write(USAGE + '\n');
  if (cmd !== undefined && cmd !== 'help' && cmd !== '--help' && cmd !== '-h') process.exitCode = 2;
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof StartError) {
    process.stderr.write(`warbler: ${e.message}\n`);
    process.exit(1);
  }
  if (e instanceof ConfigError) process.stderr.write(e.message + '\n');
  else if (e instanceof UsageError) process.stderr.write(`${e.message}\n`);
  else if (e instanceof WarblerError) process.stderr.write(`error: ${e.code}: ${e.message}\n`);
  else if (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))
    process.stderr.write(`${e.message}\n\n${USAGE}\n`);
  else process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(2);
});
