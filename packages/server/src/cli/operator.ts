import { userInfo } from 'node:os';
import { MemoryBus } from '../bus/bus-memory.js';
import type { Config } from '../config.js';
import { createLogger } from '../logger.js';
import { Accounts } from '../services/accounts.js';
import { ApiKeys } from '../services/api-keys.js';
import { Audit, type AuditLog } from '../services/audit.js';
import { Invites } from '../services/invites.js';
import { UserAdmin, type Operator } from '../services/user-admin.js';
import { createStore } from '../store/factory.js';

/** What an operator's command works with: the store (written directly) and the services over it. */
export interface OperatorTools {
  accounts: Accounts;
  users: UserAdmin;
  keys: ApiKeys;
  invites: Invites;
  audit: AuditLog;
  /** Who acts, for the audit log: `cli:<system user>`. */
  by: Operator;
}

/** The system user running the CLI, for the audit log. */
function systemUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * Opens the store the config names, runs `fn` with the operator's tools, then stores its audit entries
 * and closes the store. A running server sees the changes through the store (it polls account changes
 * every second), so the CLI needs no connection to it.
 */
export async function asOperator<T>(config: Config, fn: (tools: OperatorTools) => Promise<T>): Promise<T> {
  const store = await createStore(config);
  const logger = createLogger(config.log.level);
  const audit = new Audit(store, config, logger);
  try {
    return await fn({
      accounts: new Accounts(store, new MemoryBus(), config, logger, audit),
      users: new UserAdmin(store, config, audit),
      keys: new ApiKeys(store, audit),
      invites: new Invites(store.registration, logger),
      audit,
      by: { actor: `cli:${systemUser()}` },
    });
  } finally {
    await audit.flush();
    await store.close();
  }
}
