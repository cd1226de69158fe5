import { parseArgs } from 'node:util';
import { INVITE_LIMITS } from '@warbler/protocol';
import { COMMON, HELP, configFrom, expectPositionals, printJson } from './args.js';
import { asOperator } from './operator.js';
import { UsageError } from './prompt.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `90`, `30m`, `12h`, `7d` → seconds; a usage error naming the flag otherwise. */
function durationSeconds(text: string): number {
  const m = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  const s = m ? Number(m[1]) * UNITS[m[2] || 's']! : NaN;
  const { minTtlSeconds: lo, maxTtlSeconds: hi } = INVITE_LIMITS;
  if (!(s >= lo && s <= hi)) throw new UsageError(`--expires-in: a duration like 30m, 12h or 7d, from ${lo} s to ${hi / 86400} days`);
  return s;
}

function usesCount(text: string): number {
  const n = Number(text);
  if (!/^\d{1,6}$/.test(text) || n < 1 || n > INVITE_LIMITS.maxUses)
    throw new UsageError(`--uses: an integer from 1 to ${INVITE_LIMITS.maxUses}`);
  return n;
}

/** `warbler invite create [--uses N] [--expires-in 7d] [--note TEXT]`: prints the invite and its code, once. */
async function create(args: string[]): Promise<typeof HELP | void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...COMMON, uses: { type: 'string' }, 'expires-in': { type: 'string' }, note: { type: 'string' } },
    strict: true,
  });
  expectPositionals('invite create', positionals, [], values.help);
  if (values.help) return HELP;
  const input = {
    ...(values.uses !== undefined ? { uses: usesCount(values.uses) } : {}),
    ...(values['expires-in'] !== undefined ? { expiresInSeconds: durationSeconds(values['expires-in']) } : {}),
    ...(values.note !== undefined ? { note: values.note } : {}),
  };
  await asOperator(configFrom(values), async ({ invites, audit, by }) => {
    const made = await invites.create(input, null);
    audit.record({ event: 'invite.create', actor: by.actor, detail: { invite: made.invite.id, uses: made.invite.maxUses } });
    printJson(made);
  });
}

/** `warbler invite list`: every invite, newest first, one JSON line each; never a code. */
async function list(args: string[]): Promise<typeof HELP | void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: COMMON, strict: true });
  expectPositionals('invite list', positionals, [], values.help);
  if (values.help) return HELP;
  await asOperator(configFrom(values), async ({ invites }) => {
    for (let page = await invites.list(500); page.length > 0; page = await invites.list(500, page.at(-1)!.id)) page.forEach(printJson);
  });
}

/** `warbler invite revoke ID`: the invite admits nobody from then on. */
async function revoke(args: string[]): Promise<typeof HELP | void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: COMMON, strict: true });
  expectPositionals('invite revoke', positionals, ['ID'], values.help);
  if (values.help) return HELP;
  const id = positionals[0]!;
  if (!/^[1-9]\d{0,15}$/.test(id))
    throw new UsageError(`warbler invite revoke: ID must be an invite id from \`warbler invite list\` (got ${JSON.stringify(id)})`);
  await asOperator(configFrom(values), async ({ invites, audit, by }) => {
    const invite = await invites.revoke(Number(id), null);
    audit.record({ event: 'invite.revoke', actor: by.actor, detail: { invite: invite.id } });
    printJson(invite);
  });
}

/** The `warbler invite …` subcommands: registration invites for `auth.registration` = `invite`. */
export const INVITE_COMMANDS: Record<string, (args: string[]) => Promise<typeof HELP | void>> = { create, list, revoke };
