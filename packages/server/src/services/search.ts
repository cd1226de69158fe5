import type { ServiceDeps } from './deps.js';
import type { Groups } from './groups.js';

/** Full-text search over the messages a user may read. */
export class Search {
  constructor(
    protected readonly deps: ServiceDeps,
    protected readonly peers: { groups: Groups },
  ) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}
