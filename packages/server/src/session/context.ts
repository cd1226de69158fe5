import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Accounts } from '../services/accounts.js';
import type { Messaging } from '../services/messaging.js';
import type { Hub } from './hub.js';

/** What sessions and op handlers share: config, services, the local hub, metrics. */
export interface ServerContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly accounts: Accounts;
  readonly messaging: Messaging;
  readonly hub: Hub;
  /** Set when a graceful shutdown starts: new requests get `unavailable`. */
  draining: boolean;
}
