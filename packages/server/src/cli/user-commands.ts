import { parseArgs } from 'node:util';
import type { AdminUser } from '@warbler/protocol';
import { adminUser } from '../services/user-admin.js';
import { COMMON, HELP, configFrom, expectPositionals, printJson } from './args.js';
import { asOperator } from './operator.js';
import { UsageError, readNewPassword } from './prompt.js';

/** `warbler user add USERNAME [--password P] [--display-name NAME] [--admin]` */
async function add(args: string[]): Promise<typeof HELP | void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...COMMON, password: { type: 'string' }, 'display-name': { type: 'string' }, admin: { type: 'boolean' } },
    strict: true,
  });
  expectPositionals('user add', positionals, ['USERNAME'], values.help);
  if (values.help) return HELP;
  await asOperator(configFrom(values), async ({ accounts, by, audit }) => {
    const password = values.password ?? (await readNewPassword());
    const user = await accounts.createUser({
      username: positionals[0]!,
      password,
      displayName: values['display-name'],
      isAdmin: values.admin ?? false,
    });
    audit.record({ event: 'user.create', userId: user.id, actor: by.actor });
    const { id, username, displayName, admin } = adminUser(user);
    printJson({ id, username, displayName, admin });
  });
}

/** `warbler user list`: every account not deleted, one JSON line each, by id. */
async function list(args: string[]): Promise<typeof HELP | void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: COMMON, strict: true });
  expectPositionals('user list', positionals, [], values.help);
  if (values.help) return HELP;
  await asOperator(configFrom(values), async ({ users }) => {
    for (let after = 0; ;) {
      const page: AdminUser[] = await users.list(after, 1000);
      for (const u of page) printJson(u);
      if (page.length < 1000) return;
      after = page.at(-1)!.id;
    }
  });
}

/** `warbler user passwd USER`: a new password, from the terminal (no echo) or standard input. */
async function passwd(args: string[]): Promise<typeof HELP | void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: COMMON, strict: true });
  expectPositionals('user passwd', positionals, ['USER'], values.help);
  if (values.help) return HELP;
  await asOperator(configFrom(values), async ({ users, by }) => {
    await users.find(positionals[0]!);
    printJson(await users.setPassword(positionals[0]!, await readNewPassword(), by));
  });
}

/** `warbler user disable USER` and `warbler user enable USER`. */
function toggle(what: 'disable' | 'enable') {
  return async (args: string[]): Promise<typeof HELP | void> => {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: COMMON, strict: true });
    expectPositionals(`user ${what}`, positionals, ['USER'], values.help);
    if (values.help) return HELP;
    await asOperator(configFrom(values), async ({ users, by }) => printJson(await users[what](positionals[0]!, by)));
  };
}

/** `warbler user delete USER --yes`: cannot be undone, so it asks for --yes. */
async function remove(args: string[]): Promise<typeof HELP | void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...COMMON, yes: { type: 'boolean' } },
    strict: true,
  });
  expectPositionals('user delete', positionals, ['USER'], values.help);
  if (values.help) return HELP;
  await asOperator(configFrom(values), async ({ users, by }) => {
    const user = await users.find(positionals[0]!);
    if (!values.yes) throw new UsageError(`deleting ${user.username} (id ${user.id}) cannot be undone: run again with --yes`);
    printJson({ ...(await users.delete(String(user.id), by)), deleted: true });
  });
}

/** The `warbler user …` subcommands. */
export const USER_COMMANDS: Record<string, (args: string[]) => Promise<typeof HELP | void>> = {
  add,
  list,
  passwd,
  disable: toggle('disable'),
  enable: toggle('enable'),
  delete: remove,
};
