import type { GroupSummary } from '@warbler/protocol';
import { WarblerError } from '../errors.js';
import type { ServiceDeps } from './deps.js';
import type { GroupAccess, GroupDirectory } from './directory.js';

/** Groups: creation, settings, membership, roles, join requests, mutes; the GroupDirectory messaging asks. */
export class Groups implements GroupDirectory {
  constructor(protected readonly deps: ServiceDeps) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  sendAccess(_userId: number, _conv: string): Promise<GroupAccess> {
    return Promise.reject(new WarblerError('conversation_not_found'));
  }
  readAccess(_userId: number, _conv: string): Promise<GroupAccess> {
    return Promise.reject(new WarblerError('conversation_not_found'));
  }
  async summaries(_convs: readonly string[]): Promise<Map<string, GroupSummary>> {
    return new Map();
  }
}
