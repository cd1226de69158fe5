import { convKind, directConvId, parseDirectConvId, parseSelfConvId } from '@warbler/protocol';
import type { RequestContext } from '../connections/request.js';
import { WarblerError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { BlockList, GroupDirectory } from './directory.js';
import type { Lookups } from './lookups.js';

/** Who may read or write a conversation, and who gets its new messages. */
export interface ConvAccess {
  kind: 'direct' | 'group' | 'self';
  members: readonly number[];
  /** Owner or admin of the group (false outside groups). */
  admin: boolean;
}

/** The other member of a one-to-one conversation, or undefined (a group, an account log, a user's own `d:n:n`). */
export function peerOf(conv: string, userId: number): number | undefined {
  const pair = parseDirectConvId(conv);
  if (!pair || pair[0] === pair[1]) return undefined;
  return pair[0] === userId ? pair[1] : pair[0];
}

/**
 * Access control of conversations: who may read one, who may send to it, and who gets what is sent.
 * On the send path of every message: groups and blocks answer from memory, and users known to exist
 * are remembered (an account is deleted only through `forgetUser`).
 */
export class Access {
  /** Users known to exist, so most sends skip the lookup. */
  private readonly knownUsers = new Set<number>();

  constructor(
    private readonly store: Store,
    /** Who may start a one-to-one conversation, and what it costs (messages.directFrom, lookups). */
    private readonly lookups: Lookups,
    private readonly groups: GroupDirectory,
    private readonly blocks: BlockList,
  ) {}

  /**
   * The caller's access to `conv`, to read it or to send to it. Throws `conversation_not_found`,
   * `not_member`, `forbidden` (sending to an account log), `blocked`, the group's refusals, and for the
   * first message of a one-to-one conversation `not_contact` or `rate_limited` (see Lookups.admitDirect).
   */
  async check(caller: RequestContext, conv: string, mode: 'read' | 'send'): Promise<ConvAccess> {
    const kind = convKind(conv);
    if (kind === 'group') {
      const g = mode === 'send' ? await this.groups.sendAccess(caller.userId, conv) : await this.groups.readAccess(caller.userId, conv);
      return { kind, members: g.members, admin: g.admin };
    }
    if (kind === 'self') {
      if (parseSelfConvId(conv) !== caller.userId) throw new WarblerError('not_member', "an account log is its owner's alone");
      if (mode === 'send') throw new WarblerError('forbidden', 'the account log is written by the server only');
      return { kind, members: [caller.userId], admin: false };
    }
    const pair = parseDirectConvId(conv);
    if (!pair) throw new WarblerError('conversation_not_found');
    if (pair[0] !== caller.userId && pair[1] !== caller.userId) throw new WarblerError('not_member');
    // A conversation id may name a user who does not exist: that conversation does not exist either.
    const peer = pair[0] === caller.userId ? pair[1] : pair[0];
    // A deleted peer's conversation is still read; nothing new goes to it.
    if (!(await this.userExists(caller, peer)) && (mode === 'send' || !(await this.store.getConversation(conv))))
      throw new WarblerError('conversation_not_found');
    if (mode === 'send' && peer !== caller.userId && this.blocks.isBlocked(peer, caller.userId)) throw new WarblerError('blocked');
    if (mode === 'send') await this.lookups.admitDirect(caller.userId, peer, conv);
    return { kind: 'direct', members: pair[0] === pair[1] ? [pair[0]] : pair, admin: false };
  }

  /** The conversation a send names: a user's one-to-one conversation with the caller, or `conv`. */
  async destination(caller: RequestContext, to: number | undefined, conv: string | undefined): Promise<string> {
    if (to === undefined) return conv!;
    if (!(await this.userExists(caller, to))) throw new WarblerError('user_not_found');
    return directConvId(caller.userId, to);
  }

  /** Forgets that user `id` exists (the account was deleted): sends to it are refused from now on. */
  forgetUser(id: number): void {
    this.knownUsers.delete(id);
  }

  /** True when user `id` exists (the caller does); remembers the answer. */
  private async userExists(caller: RequestContext, id: number): Promise<boolean> {
    if (id === caller.userId || this.knownUsers.has(id)) return true;
    if (!(await this.store.getUserById(id))) return false;
    if (this.knownUsers.size > 100_000) this.knownUsers.clear();
    this.knownUsers.add(id);
    return true;
  }
}
