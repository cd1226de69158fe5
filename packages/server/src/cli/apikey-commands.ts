import { parseArgs } from 'node:util';
import { parseScopes } from '../services/api-keys.js';
import { COMMON, HELP, configFrom, expectPositionals, printJson } from './args.js';
import { asOperator } from './operator.js';
import { UsageError } from './prompt.js';

/** `warbler apikey create --scope S [--scope S…] [--name NAME]`: prints the key, once. */
async function create(args: string[]): Promise<typeof HELP | void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...COMMON, scope: { type: 'string', multiple: true }, name: { type: 'string' } },
    strict: true,
  });
  expectPositionals('apikey create', positionals, [], values.help);
  if (values.help) return HELP;
  let scopes;
  try {
    scopes = parseScopes(values.scope ?? []);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  await asOperator(configFrom(values), async ({ keys, by }) => printJson(await keys.create(scopes, values.name ?? '', by.actor)));
}

/** `warbler apikey list`: every key, revoked ones too, one JSON line each; never the key. */
async function list(args: string[]): Promise<typeof HELP | void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: COMMON, strict: true });
  expectPositionals('apikey list', positionals, [], values.help);
  if (values.help) return HELP;
  await asOperator(configFrom(values), async ({ keys }) => {
    for (const k of await keys.list()) printJson(k);
  });
}

/** `warbler apikey revoke ID`: the key stops working at once, in a running server too. */
async function revoke(args: string[]): Promise<typeof HELP | void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: COMMON, strict: true });
  expectPositionals('apikey revoke', positionals, ['ID'], values.help);
  if (values.help) return HELP;
  const id = positionals[0]!;
  if (!/^[1-9]\d{0,15}$/.test(id))
    throw new UsageError(`warbler apikey revoke: ID must be a key id from \`warbler apikey list\` (got ${JSON.stringify(id)})`);
  await asOperator(configFrom(values), async ({ keys, by }) => {
    if (!(await keys.revoke(Number(id), by.actor))) throw new UsageError(`no API key ${id} that is not revoked already`);
    printJson({ id: Number(id), revoked: true });
  });
}

/** The `warbler apikey …` subcommands. */
export const APIKEY_COMMANDS: Record<string, (args: string[]) => Promise<typeof HELP | void>> = { create, list, revoke };
