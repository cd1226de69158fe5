import type { Bus } from '../bus/bus.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Hub } from '../connections/hub.js';
import type { Store } from '../store/store.js';
import type { Accounts } from './accounts.js';
import type { Lookups } from './lookups.js';
import type { Journal } from './journal.js';

/** What every feature service is built from: made before any of them. */
export interface ServiceDeps {
  readonly store: Store;
  readonly bus: Bus;
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly hub: Hub;
  readonly accounts: Accounts;
  /** Where entries become durable and are pushed. */
  readonly journal: Journal;
  readonly lookups: Lookups;
}
