#!/usr/bin/env node
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { INVITE_USAGE, inviteCommand } from './cli-invite.js';
import { MemoryBus } from './bus/bus-memory.js';
import { ConfigError, loadConfig, type ConfigInput } from './config.js';
import { WarblerError } from './errors.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';
import { Accounts } from './services/accounts.js';
import { createStore } from './store/factory.js';

const USAGE = `warbler: a self-hosted instant-messaging server

Usage:
  warbler serve [--port N] [--host H] [--data-dir DIR] [--config FILE]
  warbler user add USERNAME [--password P] [--display-name NAME] [--admin] [--data-dir DIR] [--config FILE]
      (without --password, the password is read from the first line of standard input)
${INVITE_USAGE}

Settings come from defaults, then the JSON file of --config, then WARBLER_* environment variables,
then flags. See docs/config.md.`;

const COMMON = {
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function configFrom(values: { 'data-dir'?: string | undefined; config?: string | undefined }, extra: ConfigInput = {}) {
  const overrides: ConfigInput = { ...extra };
  if (values['data-dir'] !== undefined) overrides.dataDir = values['data-dir'];
  return loadConfig({ file: values.config, env: process.env, overrides, overridesSource: 'command-line flags' });
}

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

async function readLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

async function userAdd(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...COMMON, password: { type: 'string' }, 'display-name': { type: 'string' }, admin: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) return void process.stdout.write(USAGE + '\n');
  if (positionals.length !== 1) {
    process.stderr.write(`warbler user add takes exactly one USERNAME\n\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const config = configFrom(values);
  const store = await createStore(config);
  try {
    const accounts = new Accounts(store, new MemoryBus(), config, createLogger(config.log.level));
    const password = values.password ?? (await readLine());
    const user = await accounts.createUser({
      username: positionals[0]!,
      password,
      displayName: values['display-name'],
      isAdmin: values.admin ?? false,
    });
    process.stdout.write(
      JSON.stringify({ id: user.id, username: user.username, displayName: user.displayName, admin: user.isAdmin }) + '\n',
    );
  } finally {
    await store.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === 'serve') return serve(rest);
  if (cmd === 'user' && rest[0] === 'add') return userAdd(rest.slice(1));
  if (cmd === 'invite') return inviteCommand(rest, (v) => configFrom(v), USAGE);
  process.stdout.write(USAGE + '\n');
  if (cmd !== undefined && cmd !== 'help' && cmd !== '--help' && cmd !== '-h') process.exitCode = 2;
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof ConfigError) process.stderr.write(e.message + '\n');
  else if (e instanceof WarblerError) process.stderr.write(`error: ${e.code}: ${e.message}\n`);
  else if (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))
    process.stderr.write(`${e.message}\n\n${USAGE}\n`);
  else process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(2);
});
