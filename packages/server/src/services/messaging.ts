import { randomUUID } from 'node:crypto';
import {
  LIMITS,
  convKind,
  directConvId,
  parseDirectConvId,
  parseSelfConvId,
  selfConvId,
  type Conversation,
  type Message,
  type RequestData,
  type ResultData,
} from '@warbler/protocol';
import type { Bus } from '../bus/bus.js';
import type { Config } from '../config.js';
import { WarblerError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { AppendResult, MessageEffect, MessageRow, NewMessage, Store } from '../store/store.js';
import { publicUser } from './accounts.js';
import { MessageActions } from './actions.js';
import { buildContent, liveTarget, quoteOf } from './content.js';
import { NO_BLOCKS, NO_GROUPS, type BlockList, type GroupDirectory } from './directory.js';
import type { Lookups } from './lookups.js';
import { WriteBatcher } from './write-batcher.js';

/** Who is asking: the authenticated user, and the connection to leave out of pushes. */
export interface Caller {
  userId: number;
  connId: string;
}

/**
 * The wire form of a stored message as its reader sees it now: the header fields, then the content
 * fields of its body and its state (`edited`, `reactions`); only the header and `recalled: true` when
 * it was recalled, or `deleted: true` when the reader deleted it for themself.
 */
export function toWireMessage(r: MessageRow): Message {
  const head: Message = {
    id: r.id,
    conv: r.conv,
    seq: r.seq,
    from: r.senderId,
    clientId: r.clientId,
    ts: r.createdAt,
    kind: r.kind as Message['kind'],
  };
  if (r.hidden) return { ...head, deleted: true };
  if (r.recalledAt !== undefined) return { ...head, recalled: true };
  const m = { ...head, ...(JSON.parse(r.body) as Record<string, unknown>) } as Message;
  if (r.editedAt !== undefined) m.edited = true;
  if (r.reactions !== undefined) m.reactions = JSON.parse(r.reactions) as Message['reactions'];
  return m;
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
const wireSize = (r: MessageRow): number => Buffer.byteLength(r.body) + (r.reactions?.length ?? 0) + 200;

/** The other member of a one-to-one conversation, or undefined (a group, an account log, a user's own `d:n:n`). */
function peerOf(conv: string, userId: number): number | undefined {
  const pair = parseDirectConvId(conv);
  if (!pair || pair[0] === pair[1]) return undefined;
  return pair[0] === userId ? pair[1] : pair[0];
}

/** One-to-one messaging: send with dedup and group commit, push, sync, history, conversations, read cursors. */
export class Messaging {
  readonly batcher: WriteBatcher;
  /** Users known to exist (accounts are never deleted), so most sends skip the lookup. */
  private readonly knownUsers = new Set<number>();
  /** Group membership and roles: set by the groups service when it starts. */
  groups: GroupDirectory = NO_GROUPS;
  /** Block lists: set by the contacts service when it starts. */
  blocks: BlockList = NO_BLOCKS;
  /** Edit, recall, react, forward, delete for me: checked here, stored through `submit`. */
  readonly actions: MessageActions;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly config: Config,
    private readonly metrics: Metrics,
    /** Who may start a one-to-one conversation, and what it costs (messages.directFrom, lookups). */
    private readonly lookups: Lookups,
  ) {
    this.actions = new MessageActions(store, config, this);
    this.batcher = new WriteBatcher(
      store,
      {
        maxBatch: config.store.batchMaxMessages,
        maxDelayMs: config.store.commitDelayMaxMs,
        pauseAfterMs: config.store.writeQueuePauseMs,
      },
      metrics,
      (m, r, origin) => this.push(m, r, origin),
    );
  }

  private push(m: NewMessage, r: AppendResult, origin: string | undefined): void {
    this.metrics.messagesIn.inc();
    this.bus.deliver(m.members, messageFrame(m, r), origin);
  }

  /**
   * The caller's access to `conv`, to read it or to send to it. Throws `conversation_not_found`,
   * `not_member`, `forbidden` (sending to an account log), `blocked`, the group's refusals, and for the
   * first message of a one-to-one conversation `not_contact` or `rate_limited` (see Lookups.admitDirect).
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
    // A deleted peer's conversation is still read; nothing new goes to it.
    if (!(await this.userExists(caller, peer)) && (mode === 'send' || !(await this.store.getConversation(conv))))
      throw new WarblerError('conversation_not_found');
    if (mode === 'send' && peer !== caller.userId && this.blocks.isBlocked(peer, caller.userId)) throw new WarblerError('blocked');
    if (mode === 'send') await this.lookups.admitDirect(caller.userId, peer, conv);
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
    effect?: MessageEffect,
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
    if (effect) msg.effect = effect;
    return this.batcher.submit(msg, origin);
  }

  /** Publishes an event frame built from a message another store call appended (in its own transaction). */
  publishAppended(m: NewMessage, r: AppendResult, origin?: string): void {
    if (!r.duplicate) this.push(m, r, origin);
  }

  /** Forgets that user `id` exists (the account was deleted): sends to it are refused from now on. */
  forgetUser(id: number): void {
    this.knownUsers.delete(id);
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

  /**
   * Checks a send and builds the message to store; may wait on the store (unknown recipient, a reply's
   * target). A plain text message reads nothing from the store.
   */
  async prepare(caller: Caller, data: RequestData<'msg.send'>): Promise<NewMessage> {
    if ((data.to === undefined) === (data.conv === undefined))
      throw new WarblerError('invalid_frame', 'data: give exactly one of to and conv');
    const content = buildContent(data, this.config);
    const conv = await this.destination(caller, data.to, data.conv);
    const access = await this.access(caller, conv, 'send');
    let effect: MessageEffect | undefined;
    if (content.mentionAll) {
      if (access.kind !== 'group') throw new WarblerError('invalid_message', 'data.mentionAll: only in a group');
      if (!access.admin) throw new WarblerError('admin_required', 'only the owner and admins may mention everyone');
      effect = { type: 'mention', users: 'all' };
    } else if (content.mentions) {
      const members = new Set(access.members);
      const stranger = content.mentions.find((u) => !members.has(u));
      if (stranger !== undefined)
        throw new WarblerError('invalid_message', `data.mentions: user ${stranger} is not a member of this conversation`);
      effect = { type: 'mention', users: content.mentions };
    }
    if (data.replyTo !== undefined) {
      // A retry after a lost ack is answered as a duplicate, even if the target was recalled since.
      const again = await this.storedAgain(caller, data.clientId);
      if (again) return again;
      content.fields.replyTo = quoteOf(liveTarget(await this.message(conv, data.replyTo), data.replyTo));
      // The quote copies the target's text: the store records it, so a recall of the target removes it.
      const mentions = effect?.type === 'mention' ? effect.users : undefined;
      effect = { type: 'reply', target: data.replyTo, ...(mentions ? { mentions } : {}) };
    }
    return this.newMessage(caller, conv, access, data.clientId, content.kind, content.fields, effect);
  }

  /** The conversation a send names: a user's one-to-one conversation with the caller, or `conv`. */
  async destination(caller: Caller, to: number | undefined, conv: string | undefined): Promise<string> {
    if (to === undefined) return conv!;
    if (!(await this.userExists(caller, to))) throw new WarblerError('user_not_found');
    return directConvId(caller.userId, to);
  }

  /** The entry to store for `caller` in `conv`, delivered to the access's members. */
  newMessage(
    caller: Caller,
    conv: string,
    access: ConvAccess,
    clientId: string,
    kind: string,
    body: Record<string, unknown>,
    effect?: MessageEffect,
  ): NewMessage {
    const msg: NewMessage = {
      conv,
      members: access.members,
      senderId: caller.userId,
      clientId,
      kind,
      body: JSON.stringify(body),
      createdAt: Date.now(),
    };
    if (effect) msg.effect = effect;
    return msg;
  }

  /** The message `seq` of `conv`, or undefined. */
  async message(conv: string, seq: number): Promise<MessageRow | undefined> {
    return (await this.store.getMessages(conv, [seq]))[0];
  }

  /**
   * When the caller already stored a message with `clientId` (a retry after a lost ack): that message
   * again, which the write batch answers as a duplicate with its original ack. So a retried action is
   * not checked again against what it changed itself (a retried recall would find its target recalled).
   */
  async storedAgain(caller: Caller, clientId: string): Promise<NewMessage | undefined> {
    const r = await this.store.messageByClientId(caller.userId, clientId);
    return (
      r && { conv: r.conv, members: [], senderId: r.senderId, clientId: r.clientId, kind: r.kind, body: r.body, createdAt: r.createdAt }
    );
  }

  /**
   * Sets the caller's list flags of a conversation (`conv.update`): recorded with a `conv` event in the
   * caller's account log when a flag changes; resolves once durable.
   */
  async updateFlags(caller: Caller, data: RequestData<'conv.update'>): Promise<ResultData<'conv.update'>> {
    const access = await this.access(caller, data.conv, 'read');
    if (access.kind === 'self') throw new WarblerError('forbidden', 'the account log has no flags');
    const state = await this.store.getMemberState(data.conv, caller.userId);
    if (!state) throw new WarblerError('conversation_not_found', 'nothing was sent in this conversation yet');
    const flags = { pinned: data.pinned ?? state.pinned, muted: data.muted ?? state.muted, archived: data.archived ?? state.archived };
    if (flags.pinned !== state.pinned || flags.muted !== state.muted || flags.archived !== state.archived) {
      const effect: MessageEffect = { type: 'flags', conv: data.conv, ...flags };
      await this.appendSystem(
        selfConvId(caller.userId),
        [caller.userId],
        caller.userId,
        'account',
        { type: 'conv', conv: data.conv, ...flags },
        caller.connId,
        effect,
      );
    }
    return { conv: data.conv, ...flags };
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
      const rows = await this.store.messagesAfter(c.conv, after, room, caller.userId);
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
    const rows = await this.store.messagesBefore(data.conv, data.before ?? null, limit, caller.userId);
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
   * Moves the caller's read cursor and tells the caller's other devices; in a one-to-one conversation
   * the peer gets a `receipt` when the cursor moved.
   */
  async markRead(caller: Caller, data: RequestData<'conv.read'>): Promise<ResultData<'conv.read'>> {
    const r = await this.advance(caller, data.conv, 'read', data.seq);
    this.bus.deliver([caller.userId], JSON.stringify({ ev: 'read', data: { conv: data.conv, seq: r.seq } }), caller.connId);
    return { conv: data.conv, readSeq: r.seq };
  }

  /** Moves the caller's delivery cursor (`conv.delivered`); in a one-to-one conversation the peer gets a `receipt` when it moved. */
  async markDelivered(caller: Caller, data: RequestData<'conv.delivered'>): Promise<ResultData<'conv.delivered'>> {
    const r = await this.advance(caller, data.conv, 'delivered', data.seq);
    return { conv: data.conv, deliveredSeq: r.seq };
  }

  /** Moves one of the caller's cursors; pushes the receipt to a one-to-one peer. */
  private async advance(caller: Caller, conv: string, cursor: 'read' | 'delivered', seq: number): Promise<{ seq: number }> {
    await this.access(caller, conv, 'read');
    const head = await this.store.getConversation(conv);
    const lastSeq = head?.lastSeq ?? 0;
    if (seq > lastSeq) throw new WarblerError('invalid_cursor', `seq ${seq} is beyond the conversation's last sequence ${lastSeq}`);
    if (!head) return { seq: 0 };
    // Through the group commit: one transaction for every cursor and message of the batch, and a
    // cursor moved many times in it is written once.
    const r = await this.batcher.move({ conv, userId: caller.userId, cursor, seq });
    const peer = peerOf(conv, caller.userId);
    if (r.moved && peer !== undefined)
      this.bus.deliver([peer], JSON.stringify({ ev: 'receipt', data: { conv, user: caller.userId, [cursor]: r.seq } }));
    return r;
  }

  /**
   * Who got and read message `seq` (`msg.receipts`), among the members other than its sender; who read
   * it by name when the conversation has at most `groups.whoReadMaxMembers` members.
   */
  async receipts(caller: Caller, data: RequestData<'msg.receipts'>): Promise<ResultData<'msg.receipts'>> {
    const access = await this.access(caller, data.conv, 'read');
    const target = await this.message(data.conv, data.seq);
    if (!target) throw new WarblerError('message_not_found', `no message ${data.seq} in this conversation`);
    const max = this.config.groups.whoReadMaxMembers;
    return this.store.receipts(data.conv, data.seq, target.senderId, max > 0 && access.members.length <= max);
  }
}
