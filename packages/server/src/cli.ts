#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { APIKEY_COMMANDS } from './cli/apikey-commands.js';
import { INVITE_COMMANDS } from './cli/invite-commands.js';
import { COMMON, HELP, configFrom } from './cli/args.js';
import { UsageError } from './cli/prompt.js';
import { USER_COMMANDS } from './cli/user-commands.js';
import { ConfigError, type ConfigInput } from './config.js';
import { WarblerError } from './errors.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';

const USAGE = `warbler: a self-hosted instant-messaging server

Usage:
  warbler serve [--port N] [--host H] [--data-dir DIR] [--config FILE]
  warbler user add USERNAME [--password P] [--display-name NAME] [--admin]
  warbler user list
  warbler user passwd USER
  warbler user disable USER
  warbler user enable USER
  warbler user delete USER --yes
  warbler apikey create --scope SCOPE [--scope SCOPE ...] [--name NAME]
  warbler apikey list
  warbler apikey revoke ID
  warbler invite create [--uses N] [--expires-in 7d] [--note TEXT]
  warbler invite list
  warbler invite revoke ID

  USER is a username or a user id. Passwords are asked for without echo on a terminal, else read from
  the first line of standard input. Every command but serve also takes --data-dir DIR and --config FILE
  and works on the store directly, also while a server runs (it notices within a second).
  Scopes: users:read, users:write, metrics:read, audit:read, invites:write. An invite code (for
  auth.registration = invite) is printed once, when it is created.

Settings come from defaults, then the JSON file of --config, then WARBLER_* environment variables,
then flags. See docs/config.md.`;

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { ...COMMON, port: { type: 'string' }, host: { type: 'string' } }, strict: true });
  if (values.help) return void process.stdout.write(USAGE + '\n');
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
  const s = await startServer(config, logger);
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
  const run = sub !== undefined && Object.hasOwn(table, sub) ? table[sub] : undefined;
  if (!run)
    throw new UsageError(`warbler ${group} takes one of: ${Object.keys(table).join(', ')}${sub === undefined ? '' : ` (got "${sub}")`}`);
  if ((await run(args)) === HELP) process.stdout.write(USAGE + '\n');
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === 'serve') return serve(rest);
  if (cmd === 'user') return subcommand('user', USER_COMMANDS, rest);
  if (cmd === 'apikey') return subcommand('apikey', APIKEY_COMMANDS, rest);
  if (cmd === 'invite') return subcommand('invite', INVITE_COMMANDS, rest);
  process.stdout.write(USAGE + '\n');
  if (cmd !== undefined && cmd !== 'help' && cmd !== '--help' && cmd !== '-h') process.exitCode = 2;
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof ConfigError) process.stderr.write(e.message + '\n');
  else if (e instanceof UsageError) process.stderr.write(`${e.message}\n`);
  else if (e instanceof WarblerError) process.stderr.write(`error: ${e.code}: ${e.message}\n`);
  else if (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))
    process.stderr.write(`${e.message}\n\n${USAGE}\n`);
  else process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(2);
});
