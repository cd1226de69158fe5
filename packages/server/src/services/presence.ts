import type { Contacts } from './contacts.js';
import type { ServiceDeps } from './deps.js';
import type { Groups } from './groups.js';

/** Presence (online, offline, last seen) and typing indicators: ephemeral, never stored. */
export class Presence {
  constructor(
    protected readonly deps: ServiceDeps,
    protected readonly peers: { contacts: Contacts; groups: Groups },
  ) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}
