import { readFileSync } from 'node:fs';
import { API_SCOPES, PROTOCOL_VERSION } from '@warbler/protocol';

/** One command's synopsis and what it does, for `warbler COMMAND --help`. */
interface CommandHelp {
  synopsis: string;
  about: string;
}

const COMMON_FLAGS = `  --data-dir DIR   the data folder (default ./data; setting dataDir)
  --config FILE    a JSON settings file (docs/config.md)
  -h, --help       this help`;

/** Every command, by its words: `serve`, `user add`, … (the overview lists them in this order). */
export const COMMANDS: Record<string, CommandHelp> = {
  serve: {
    synopsis: 'warbler serve [--port N] [--host H] [--data-dir DIR] [--config FILE]',
    about:
      'Runs the server until SIGTERM or SIGINT, then stops gracefully.\n  --port N, --host H: where it listens (settings server.port, server.host; default 0.0.0.0:8080).',
  },
  'user add': {
    synopsis: 'warbler user add USERNAME [--password P] [--display-name NAME] [--admin]',
    about: 'Creates an account and prints it as JSON. Without --password, asks for it (no echo) or reads standard input.',
  },
  'user list': { synopsis: 'warbler user list', about: 'Prints every account not deleted, one JSON line each, by id.' },
  'user passwd': {
    synopsis: 'warbler user passwd USER',
    about: "Sets a user's password: asked for without echo, or read from standard input.",
  },
  'user disable': { synopsis: 'warbler user disable USER', about: 'Stops a user from logging in or resuming until `warbler user enable`.' },
  'user enable': { synopsis: 'warbler user enable USER', about: 'Lets a disabled user log in again.' },
  'user delete': { synopsis: 'warbler user delete USER --yes', about: 'Deletes an account (docs/admin-api.md#deleting-an-account).' },
  'apikey create': {
    synopsis: 'warbler apikey create --scope SCOPE [--scope SCOPE ...] [--name NAME]',
    about: `Prints a new admin API key, once. Scopes: ${API_SCOPES.join(', ')}.`,
  },
  'apikey list': { synopsis: 'warbler apikey list', about: 'Lists the API keys (never the keys themselves).' },
  'apikey revoke': { synopsis: 'warbler apikey revoke ID', about: 'Revokes an API key by the id `warbler apikey list` shows.' },
  'invite create': {
    synopsis: 'warbler invite create [--uses N] [--expires-in 7d] [--note TEXT]',
    about: 'Prints a new invite code, once (for auth.registration = invite).',
  },
  'invite list': { synopsis: 'warbler invite list', about: 'Lists the invites (never their codes).' },
  'invite revoke': { synopsis: 'warbler invite revoke ID', about: 'Revokes an invite by the id `warbler invite list` shows.' },
};

/** The overview: `warbler`, `warbler help`, `warbler --help`. */
export const USAGE = `warbler: a self-hosted instant-messaging server

Usage:
${Object.values(COMMANDS)
  .map((c) => `  ${c.synopsis}`)
  .join('\n')}
  warbler --version
  warbler COMMAND --help

  USER is a username or a user id. Passwords are asked for without echo on a terminal, else read from
  the first line of standard input. Every command but serve also takes --data-dir DIR and --config FILE
  and works on the store directly, also while a server runs (it notices within a second).
  Scopes: users:read, users:write, metrics:read, audit:read, invites:write. An invite code (for
  auth.registration = invite) is printed once, when it is created.

Settings come from defaults, then the JSON file of --config, then WARBLER_* environment variables,
then flags. See docs/config.md.`;

/**
 * The help of one command (`serve`, `user add`) or of a group (`user`: its commands); the overview
 * when `words` names neither.
 */
export function helpFor(words: string): string {
  const one = COMMANDS[words];
  if (one) return `Usage: ${one.synopsis}\n\n  ${one.about}\n\n${COMMON_FLAGS}`;
  const group = Object.entries(COMMANDS).filter(([name]) => name.startsWith(`${words} `));
  if (group.length === 0) return USAGE;
  return `Usage:\n${group.map(([, c]) => `  ${c.synopsis}`).join('\n')}\n\n\`warbler ${words} COMMAND --help\` tells more.`;
}

/** `warbler 0.1.0 (protocol 1)`: this package's version and the protocol version it speaks. */
export function versionLine(): string {
  // dist/src/cli/usage.js → the package's package.json.
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `warbler ${pkg.version} (protocol ${PROTOCOL_VERSION})`;
}
