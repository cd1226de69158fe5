import { parseArgs } from 'node:util';
import { INVITE_LIMITS } from '@warbler/protocol';
import type { Config } from './config.js';
import { WarblerError } from './errors.js';
import { createLogger } from './logger.js';
import { Invites } from './services/invites.js';
import { createStore } from './store/factory.js';

/** The `warbler invite` lines of the CLI usage. */
export const INVITE_USAGE = `  warbler invite create [--uses N] [--expires-in 7d] [--note TEXT] [--data-dir DIR] [--config FILE]
  warbler invite list [--data-dir DIR] [--config FILE]
  warbler invite revoke ID [--data-dir DIR] [--config FILE]
      (invite codes for auth.registration = "invite"; a code is printed once, when it is created)`;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `90`, `30m`, `12h`, `7d` → seconds; throws invalid_body naming the flag. */
function durationSeconds(text: string): number {
  const m = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  const s = m ? Number(m[1]) * UNITS[m[2] || 's']! : NaN;
  const { minTtlSeconds: lo, maxTtlSeconds: hi } = INVITE_LIMITS;
  if (!(s >= lo && s <= hi))
    throw new WarblerError('invalid_body', `--expires-in: a duration like 30m, 12h or 7d, from ${lo} s to ${hi / 86400} days`);
  return s;
}

function usesCount(text: string): number {
  const n = Number(text);
  if (!/^\d{1,6}$/.test(text) || n < 1 || n > INVITE_LIMITS.maxUses)
    throw new WarblerError('invalid_body', `--uses: an integer from 1 to ${INVITE_LIMITS.maxUses}`);
  return n;
}

/**
 * `warbler invite create|list|revoke`: manages registration invites directly in the store (like `user
 * add`, also while the server runs). Prints JSON, one object per line.
 * @param configFor builds the config from the common flags (`--data-dir`, `--config`) and the environment.
 */
export async function inviteCommand(
  args: string[],
  configFor: (values: { 'data-dir'?: string | undefined; config?: string | undefined }) => Config,
  usage: string,
): Promise<void> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      uses: { type: 'string' },
      'expires-in': { type: 'string' },
      note: { type: 'string' },
    },
    strict: true,
  });
  const wanted = { create: 0, list: 0, revoke: 1 }[sub ?? ''];
  if (values.help || wanted === undefined || positionals.length !== wanted) {
    process.stdout.write(usage + '\n');
    if (!values.help) process.exitCode = 2;
    return;
  }
  const config = configFor(values);
  const input = {
    ...(values.uses !== undefined ? { uses: usesCount(values.uses) } : {}),
    ...(values['expires-in'] !== undefined ? { expiresInSeconds: durationSeconds(values['expires-in']) } : {}),
    ...(values.note !== undefined ? { note: values.note } : {}),
  };
  const id = sub === 'revoke' ? Number(positionals[0]) : 0;
  if (sub === 'revoke' && !(Number.isSafeInteger(id) && id >= 1))
    throw new WarblerError('invalid_body', 'ID: an invite id from `warbler invite list`');
  const store = await createStore(config);
  try {
    const invites = new Invites(store.registration, createLogger(config.log.level));
    const print = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');
    if (sub === 'create') print(await invites.create(input, null));
    else if (sub === 'revoke') print(await invites.revoke(id, null));
    else
      for (
        let before = 0, page = await invites.list(500);
        page.length > 0;
        before = page.at(-1)!.id, page = await invites.list(500, before)
      )
        page.forEach(print);
  } finally {
    await store.close();
  }
}
