import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Accounts } from '../services/accounts.js';
import type { Contacts } from '../services/contacts.js';
import type { Groups } from '../services/groups.js';
import type { Lookups } from '../services/lookups.js';
import type { MessageActions } from '../services/actions.js';
import type { Conversations } from '../services/conversations.js';
import type { Cursors } from '../services/cursors.js';
import type { History } from '../services/history.js';
import type { MessageSend } from '../services/send.js';
import type { Presence } from '../services/presence.js';
import type { Search } from '../services/search.js';
import type { WritePressure } from '../services/write-batcher.js';
import type { Hub } from '../connections/hub.js';
import type { Hooks } from '../hooks/hooks.js';

/** What sessions and op handlers share: config, services, the local hub, metrics. Made once, at start. */
export interface ServerContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly accounts: Accounts;
  readonly send: MessageSend;
  readonly actions: MessageActions;
  readonly history: History;
  readonly conversations: Conversations;
  readonly cursors: Cursors;
  readonly groups: Groups;
  readonly contacts: Contacts;
  readonly presence: Presence;
  readonly search: Search;
  readonly lookups: Lookups;
  readonly hub: Hub;
  /** The extensions' hooks (hooks/hooks.ts). */
  readonly hooks: Hooks;
  /** How far behind the write queue is: the gateway stops reading from senders while it is behind. */
  readonly writes: WritePressure;
  /** Set when a graceful shutdown starts: new requests get `unavailable`. */
  draining: boolean;
}
