import { LIMITS, parseDirectConvId, selfConvId, type Conversation, type RequestData, type ResultData } from '@warbler/protocol';
import type { RequestContext } from '../connections/request.js';
import { WarblerError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Access } from './access.js';
import { publicUser } from './accounts.js';
import type { GroupDirectory } from './directory.js';
import type { Journal } from './journal.js';
import { toWireMessage } from './message-wire.js';

/** The caller's conversation list (`conv.list`) and its per-conversation flags (`conv.update`). */
export class Conversations {
  constructor(
    private readonly store: Store,
    private readonly access: Access,
    /** What the list shows of groups. */
    private readonly groups: GroupDirectory,
    private readonly journal: Journal,
  ) {}

  async listConversations(caller: RequestContext, data: RequestData<'conv.list'>): Promise<ResultData<'conv.list'>> {
    const limit = data.limit ?? LIMITS.defaultPage;
    let before: { updatedAt: number; conv: string } | null = null;
    if (data.before !== undefined) {
      const m = /^(\d{1,16}):(.+)$/.exec(data.before);
      if (!m) throw new WarblerError('invalid_cursor', 'before must be a cursor from a previous conv.list page');
      before = { updatedAt: Number(m[1]), conv: m[2]! };
    }
    const rows = await this.store.listConversations(caller.userId, limit + 1, before);
    const page = rows.slice(0, limit);
    const peerIds = page.flatMap((r) => {
      const pair = parseDirectConvId(r.conv);
      return pair ? [pair[0] === caller.userId ? pair[1] : pair[0]] : [];
    });
    const users = new Map((await this.store.getUsersByIds([...new Set(peerIds)])).map((u) => [u.id, publicUser(u)]));
    const groups = await this.groups.summaries(page.filter((r) => r.kind === 'group').map((r) => r.conv));
    const conversations: Conversation[] = page.map((r) => {
      const base = {
        conv: r.conv,
        lastSeq: r.lastSeq,
        readSeq: r.readSeq,
        unread: Math.max(0, r.lastSeq - r.readSeq),
        lastMessage: r.lastMessage && toWireMessage(r.lastMessage),
        updatedAt: r.updatedAt,
        pinned: r.pinned,
        muted: r.muted,
        archived: r.archived,
        mentioned: r.mentionSeq > r.readSeq,
      };
      const pair = parseDirectConvId(r.conv);
      if (pair) {
        const peerId = pair[0] === caller.userId ? pair[1] : pair[0];
        const peer = users.get(peerId) ?? { id: peerId, username: '', displayName: '' };
        const receipts = r.peerReadSeq === undefined ? {} : { peerReadSeq: r.peerReadSeq, peerDeliveredSeq: r.peerDeliveredSeq ?? 0 };
        return { ...base, kind: 'direct', peer, ...receipts };
      }
      return { ...base, kind: 'group', group: groups.get(r.conv) ?? { name: '', memberCount: 0 } };
    });
    const last = page.at(-1);
    return { conversations, more: rows.length > limit, ...(rows.length > limit && last ? { next: `${last.updatedAt}:${last.conv}` } : {}) };
  }

  /**
   * Sets the caller's list flags of a conversation (`conv.update`): recorded with a `conv` event in the
   * caller's account log when a flag changes; resolves once durable.
   */
  async updateFlags(caller: RequestContext, data: RequestData<'conv.update'>): Promise<ResultData<'conv.update'>> {
    const access = await this.access.check(caller, data.conv, 'read');
    if (access.kind === 'self') throw new WarblerError('forbidden', 'the account log has no flags');
    const state = await this.store.getMemberState(data.conv, caller.userId);
    if (!state) throw new WarblerError('conversation_not_found', 'nothing was sent in this conversation yet');
    const flags = { pinned: data.pinned ?? state.pinned, muted: data.muted ?? state.muted, archived: data.archived ?? state.archived };
    if (flags.pinned !== state.pinned || flags.muted !== state.muted || flags.archived !== state.archived) {
      await this.journal.appendSystem(
        {
          conv: selfConvId(caller.userId),
          members: [caller.userId],
          senderId: caller.userId,
          kind: 'account',
          event: { type: 'conv', conv: data.conv, ...flags },
          effect: { type: 'flags', conv: data.conv, ...flags },
        },
        caller.connId,
      );
    }
    return { conv: data.conv, ...flags };
  }
}
