import type { ServiceDeps } from './deps.js';
import type { BlockList } from './directory.js';

/** Contacts: friends and friend requests, blocking, profiles, user search. */
export class Contacts implements BlockList {
  constructor(protected readonly deps: ServiceDeps) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  isBlocked(_blocker: number, _sender: number): boolean {
    return false;
  }
}
