import { randomUUID } from 'node:crypto';
import {
  LIMITS,
  convKind,
  directConvId,
  parseDirectConvId,
  parseSelfConvId,
  type Conversation,
  type Message,
  type RequestData,
  type ResultData,
} from '@warbler/protocol';
import type { Bus } from '../bus/bus.js';
import type { Config } from '../config.js';
import { WarblerError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { AppendResult, MessageRow, NewMessage, Store } from '../store/store.js';
import { publicUser } from './accounts.js';
import { buildContent } from './content.js';
import { NO_BLOCKS, NO_GROUPS, type BlockList, type GroupDirectory } from './directory.js';
import { WriteBatcher } from './write-batcher.js';

/** Who is asking: the authenticated user, and the connection to leave out of pushes. */
export interface Caller {
  userId: number;
  connId: string;
}

/** The wire form of a stored message: the header fields, then the content fields of its body. */
export function toWireMessage(r: MessageRow): Message {
  const body = JSON.parse(r.body) as Record<string, unknown>;
  return { id: r.id, conv: r.conv, seq: r.seq, from: r.senderId, clientId: r.clientId, ts: r.createdAt, kind: r.kind, ...body } as Message;
}

/**
 * The `msg` event frame of a stored message, serialized once for every recipient: the stored body is
 * a JSON object of the content fields, spliced in after the header fields instead of parsed and re-encoded.
 */
export function messageFrame(m: NewMessage, r: AppendResult): string {
  const head = `{"ev":"msg","data":{"id":${r.id},"conv":"${r.conv}","seq":${r.seq},"from":${m.senderId},"clientId":${JSON.stringify(m.clientId)},"ts":${r.createdAt},"kind":"${m.kind}"`;
  return m.body.length > 2 ? `${head},${m.body.slice(1)}}` : `${head}}}`;
}

/** Who may read or write a conversation, and who gets its new messages. */
export interface ConvAccess {
  kind: 'direct' | 'group' | 'self';
  members: readonly number[];
  /** Owner or admin of the group (false outside groups). */
  admin: boolean;
}

/** About how many bytes a stored message takes on the wire. */
const wireSize = (r: MessageRow): number => Buffer.byteLength(r.body) + 200;

/** One-to-one messaging: send with dedup and group commit, push, sync, history, conversations, read cursors. */
export class Messaging {
  readonly batcher: WriteBatcher;
  /** Users known to exist (accounts are never deleted), so most sends skip the lookup. */
  private readonly knownUsers = new Set<number>();
  /** Group membership and roles: set by the groups service when it starts. */
  groups: GroupDirectory = NO_GROUPS;
  /** Block lists: set by the contacts service when it starts. */
  blocks: BlockList = NO_BLOCKS;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly config: Config,
    private readonly metrics: Metrics,
  ) {
    this.batcher = new WriteBatcher(store, config.store.batchMaxMessages, metrics, (m, r, origin) => this.push(m, r, origin));
  }

  private push(m: NewMessage, r: AppendResult, origin: string | undefined): void {
    this.metrics.messagesIn.inc();
    this.bus.publish(m.members, messageFrame(m, r), origin);
  }

  /**
   * The caller's access to `conv`, to read it or to send to it. Throws `conversation_not_found`,
   * `not_member`, `forbidden` (sending to an account log), `blocked`, and the group's refusals.
   */
  async access(caller: Caller, conv: string, mode: 'read' | 'send'): Promise<ConvAccess> {
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
    if (!(await this.userExists(caller, peer))) throw new WarblerError('conversation_not_found');
    if (mode === 'send' && peer !== caller.userId && this.blocks.isBlocked(peer, caller.userId)) throw new WarblerError('blocked');
    return { kind: 'direct', members: pair[0] === pair[1] ? [pair[0]] : pair, admin: false };
  }

  /**
   * Appends a server-made event (a `group` or `account` kind) through the write batch and pushes it to
   * `members` (all their devices but `origin`). `senderId` is the user whose action it records.
   */
  async appendSystem(
    conv: string,
    members: readonly number[],
    senderId: number,
    kind: 'group' | 'account',
    event: Record<string, unknown>,
    origin?: string,
  ): Promise<AppendResult> {
    const msg: NewMessage = {
      conv,
      members,
      senderId,
      clientId: `sys:${randomUUID()}`,
      kind,
      body: JSON.stringify({ event }),
      createdAt: Date.now(),
    };
    return this.batcher.submit(msg, origin);
  }

  /** Publishes an event frame built from a message another store call appended (in its own transaction). */
  publishAppended(m: NewMessage, r: AppendResult, origin?: string): void {
    if (!r.duplicate) this.push(m, r, origin);
  }

  /** True when user `id` exists (the caller does); remembers the answer. */
  private async userExists(caller: Caller, id: number): Promise<boolean> {
    if (id === caller.userId || this.knownUsers.has(id)) return true;
    if (!(await this.store.getUserById(id))) return false;
    if (this.knownUsers.size > 100_000) this.knownUsers.clear();
    this.knownUsers.add(id);
    return true;
  }

  /**
   * Most bytes of messages in one sync or history page: half the send buffer, so a client catching up
   * is never closed as a slow consumer by the page it asked for.
   */
  private get pageBytes(): number {
    return this.config.gateway.maxBufferedBytes / 2;
  }

  /** Checks a send and builds the message to store; may wait on the store (unknown recipient). */
  async prepare(caller: Caller, data: RequestData<'msg.send'>): Promise<NewMessage> {
    if ((data.to === undefined) === (data.conv === undefined))
      throw new WarblerError('invalid_frame', 'data: give exactly one of to and conv');
    const content = buildContent(data, this.config);
    let conv: string;
    if (data.to !== undefined) {
      if (!(await this.userExists(caller, data.to))) throw new WarblerError('user_not_found');
      conv = directConvId(caller.userId, data.to);
    } else conv = data.conv!;
    const access = await this.access(caller, conv, 'send');
    return {
      conv,
      members: access.members,
      senderId: caller.userId,
      clientId: data.clientId,
      kind: content.kind,
      body: content.body,
      createdAt: Date.now(),
    };
  }

  /** Queues a prepared message; resolves with its ack once it is durable. */
  async submit(caller: Caller, msg: NewMessage): Promise<ResultData<'msg.send'>> {
    const r = await this.batcher.submit(msg, caller.connId);
    return { id: r.id, conv: r.conv, seq: r.seq, ts: r.createdAt, clientId: msg.clientId, duplicate: r.duplicate };
  }

  /**
   * Everything after the caller's cursors, conversation by conversation, each in sequence order,
   * at most `limit` messages; `more` says another call has more. A conversation without a cursor
   * starts from the beginning.
   */
  async sync(caller: Caller, data: RequestData<'sync'>): Promise<ResultData<'sync'>> {
    const limit = data.limit ?? LIMITS.defaultPage;
    const cursors = data.cursors ?? {};
    const convs = await this.store.memberConversations(caller.userId);
    const byId = new Map(convs.map((c) => [c.conv, c]));
    const left: string[] = [];
    for (const [conv, seq] of Object.entries(cursors)) {
      const c = byId.get(conv);
      if (!c) {
        const kind = convKind(conv);
        // A group the user left or was removed from: say so, so the client drops it.
        if (kind === 'group') {
          left.push(conv);
          continue;
        }
        if (seq === 0 && kind) {
          await this.access(caller, conv, 'read');
          continue;
        }
        throw new WarblerError('conversation_not_found', `no conversation ${conv.slice(0, 40)} for this user`);
      }
      if (seq > c.lastSeq) throw new WarblerError('invalid_cursor', `cursor ${seq} for ${conv} is beyond its last sequence ${c.lastSeq}`);
    }
    const messages: Message[] = [];
    let more = false;
    // A page must also fit the connection's send buffer: a reply over gateway.maxBufferedBytes closes the
    // client that is catching up as a slow consumer, again after every reconnect. So a page ends at half
    // that many bytes too (it always holds one message) and says `more`.
    const maxBytes = this.pageBytes;
    let bytes = 0;
    for (const c of convs) {
      const after = cursors[c.conv] ?? 0;
      if (c.lastSeq <= after) continue;
      const room = limit - messages.length;
      if (room <= 0 || bytes >= maxBytes) {
        more = true;
        break;
      }
      const rows = await this.store.messagesAfter(c.conv, after, room);
      let taken = 0;
      for (const r of rows) {
        const size = wireSize(r);
        if (messages.length > 0 && bytes + size > maxBytes) break;
        bytes += size;
        messages.push(toWireMessage(r));
        taken++;
      }
      if (after + taken < c.lastSeq) more = true;
      if (taken < rows.length) break;
    }
    return left.length > 0 ? { messages, more, left } : { messages, more };
  }

  async history(caller: Caller, data: RequestData<'msg.history'>): Promise<ResultData<'msg.history'>> {
    await this.access(caller, data.conv, 'read');
    const limit = data.limit ?? LIMITS.defaultPage;
    const head = await this.store.getConversation(data.conv);
    const lastSeq = head?.lastSeq ?? 0;
    if (data.before !== undefined && data.before > lastSeq + 1)
      throw new WarblerError('invalid_cursor', `before ${data.before} is beyond the conversation's next sequence ${lastSeq + 1}`);
    if (!head) return { messages: [], more: false };
    const rows = await this.store.messagesBefore(data.conv, data.before ?? null, limit);
    // Like sync, a page fits half the send buffer: keep the newest rows that fit (always one).
    let first = rows.length;
    for (let bytes = 0; first > 0; first--) {
      bytes += wireSize(rows[first - 1]!);
      if (bytes > this.pageBytes && first < rows.length) break;
    }
    const page = rows.slice(first);
    return { messages: page.map(toWireMessage), more: page.length > 0 && page[0]!.seq > 1 };
  }

  async listConversations(caller: Caller, data: RequestData<'conv.list'>): Promise<ResultData<'conv.list'>> {
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
        pinned: false,
        muted: false,
        archived: false,
        mentioned: false,
      };
      const pair = parseDirectConvId(r.conv);
      if (pair) {
        const peerId = pair[0] === caller.userId ? pair[1] : pair[0];
        return { ...base, kind: 'direct', peer: users.get(peerId) ?? { id: peerId, username: '', displayName: '' } };
      }
      return { ...base, kind: 'group', group: groups.get(r.conv) ?? { name: '', memberCount: 0 } };
    });
    const last = page.at(-1);
    return { conversations, more: rows.length > limit, ...(rows.length > limit && last ? { next: `${last.updatedAt}:${last.conv}` } : {}) };
  }

  /** Moves the caller's read cursor and tells the caller's other devices. */
  async markRead(caller: Caller, data: RequestData<'conv.read'>): Promise<ResultData<'conv.read'>> {
    await this.access(caller, data.conv, 'read');
    const head = await this.store.getConversation(data.conv);
    const lastSeq = head?.lastSeq ?? 0;
    if (data.seq > lastSeq)
      throw new WarblerError('invalid_cursor', `seq ${data.seq} is beyond the conversation's last sequence ${lastSeq}`);
    if (!head) return { conv: data.conv, readSeq: 0 };
    const readSeq = await this.store.advanceReadSeq(data.conv, caller.userId, data.seq);
    this.bus.publish([caller.userId], JSON.stringify({ ev: 'read', data: { conv: data.conv, seq: readSeq } }), caller.connId);
    return { conv: data.conv, readSeq };
  }
}
