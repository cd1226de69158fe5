import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';

const HOW = {
  open: 'anyone who can reach this server can create an account',
  invite: 'accounts are created with invite codes: make one with `warbler invite create` (docs/config.md)',
  closed: 'only `warbler user add` and the admin API create accounts',
} as const;

/**
 * Tells the operator at start which registration policy is in force. On a fresh install (no account yet)
 * with `open`, it also says how to change it: a server put on a network should not stay open by accident.
 */
export async function logRegistrationPolicy(config: Config, store: Store, logger: Logger): Promise<void> {
  const policy = config.auth.registration;
  logger.info('registration policy', { policy, meaning: HOW[policy] });
  if (policy === 'open' && !(await store.registration.hasUsers()))
    logger.warn('registration is open to anyone who can reach this server', {
      change: 'set auth.registration to "invite" or "closed" in the config file, or WARBLER_AUTH_REGISTRATION=invite',
    });
}
