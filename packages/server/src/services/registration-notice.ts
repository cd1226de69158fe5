import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { Invites } from './invites.js';

const HOW = {
  open: 'anyone who can reach this server can create an account',
  invite: 'accounts are created with invite codes: make one with `warbler invite create` (docs/config.md)',
  closed: 'only `warbler user add` and the admin API create accounts',
} as const;

/** The invite a fresh install makes for its first accounts (policy `invite`): enough for a small team to try it. */
export const FIRST_INVITE = { uses: 10, expiresInSeconds: 7 * 86_400, note: 'first start' } as const;

/**
 * Tells the operator at start which registration policy is in force. On a fresh install (no account and
 * no invite yet):
 * - with `invite` (the default), it makes one invite for the first accounts and logs its code, so
 *   `npm start` alone lets people sign up, and only whoever reads the server's log can hand it out;
 * - with `open`, it says how to change it: a server put on a network should not stay open by accident.
 */
export async function logRegistrationPolicy(config: Config, store: Store, invites: Invites, logger: Logger): Promise<void> {
  const policy = config.auth.registration;
  logger.info('registration policy', { policy, meaning: HOW[policy] });
  if (policy === 'closed' || (await store.registration.hasUsers())) return;
  if (policy === 'open') {
    logger.warn('registration is open to anyone who can reach this server', {
      change: 'set auth.registration to "invite" or "closed" in the config file, or WARBLER_AUTH_REGISTRATION=invite',
    });
    return;
  }
  if ((await invites.list(1)).length > 0) return;
  const { invite, code } = await invites.create(FIRST_INVITE, null);
  logger.warn('first start: an invite code for the first accounts', {
    code,
    uses: invite.maxUses,
    expiresAt: new Date(invite.expiresAt).toISOString(),
    more: 'warbler invite create (docs/config.md#registration)',
  });
}
