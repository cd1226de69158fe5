import {
  LIMITS,
  directConvId,
  parseDirectConvId,
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
import { WriteBatcher } from './write-batcher.js';

/** Who is asking: the authenticated user, and the connection to leave out of pushes. */
export interface Caller {
  userId: number;
  connId: string;
}

/** The wire form of a stored message. */
export function toWireMessage(r: MessageRow): Message {
  const body = JSON.parse(r.body) as { text: string };
  return { id: r.id, conv: r.conv, seq: r.seq, from: r.senderId, clientId: r.clientId, ts: r.createdAt, kind: 'text', text: body.text };
}

/** About how many bytes a stored message takes on the wire. */
const wireSize = (r: MessageRow): number => Buffer.byteLength(r.body) + 200;

/** One-to-one messaging: send with dedup and group commit, push, sync, history, conversations, read cursors. */
export class Messaging {
  readonly batcher: WriteBatcher;
  /** Users known to exist (accounts are never deleted), so most sends skip the lookup. */
  private readonly knownUsers = new Set<number>();

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
    // Serialized once, the same string to every recipient socket. The stored body is a JSON object
    // of the content fields, spliced in after the header fields instead of parsed and re-encoded.
    const head = `{"ev":"msg","data":{"id":${r.id},"conv":"${r.conv}","seq":${r.seq},"from":${m.senderId},"clientId":${JSON.stringify(m.clientId)},"ts":${r.createdAt},"kind":"${m.kind}",`;
    this.bus.publish(m.members, head + m.body.slice(1) + '}', origin);
  }

  /** The members of `conv` if the caller is one of them. */
  private members(caller: Caller, conv: string): [number, number] {
    const pair = parseDirectConvId(conv);
    if (!pair) throw new WarblerError('conversation_not_found');
    if (pair[0] !== caller.userId && pair[1] !== caller.userId) throw new WarblerError('forbidden', 'not a member of this conversation');
    return pair;
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
    if (data.text.length > this.config.limits.maxTextChars)
      throw new WarblerError('text_too_long', `text is longer than ${this.config.limits.maxTextChars} characters`);
    let members: [number, number];
    if (data.to !== undefined) {
      if (!(await this.userExists(caller, data.to))) throw new WarblerError('user_not_found');
      members = parseDirectConvId(directConvId(caller.userId, data.to))!;
    } else {
      members = this.members(caller, data.conv!);
      // A conversation id may name a user who does not exist: that conversation does not exist either.
      const peer = members[0] === caller.userId ? members[1] : members[0];
      if (!(await this.userExists(caller, peer))) throw new WarblerError('conversation_not_found');
    }
    return {
      conv: directConvId(members[0], members[1]),
      members: members[0] === members[1] ? [members[0]] : members,
      senderId: caller.userId,
      clientId: data.clientId,
      kind: 'text',
      body: JSON.stringify({ text: data.text }),
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
    for (const [conv, seq] of Object.entries(cursors)) {
      const c = byId.get(conv);
      if (!c) {
        if (seq === 0 && parseDirectConvId(conv)) {
          this.members(caller, conv);
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
    return { messages, more };
  }

  async history(caller: Caller, data: RequestData<'msg.history'>): Promise<ResultData<'msg.history'>> {
    this.members(caller, data.conv);
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
    const peerIds = page.map((r) => {
      const [a, b] = parseDirectConvId(r.conv)!;
      return a === caller.userId ? b : a;
    });
    const users = new Map((await this.store.getUsersByIds([...new Set(peerIds)])).map((u) => [u.id, publicUser(u)]));
    const conversations: Conversation[] = page.map((r, i) => ({
      conv: r.conv,
      kind: 'direct',
      peer: users.get(peerIds[i]!) ?? { id: peerIds[i]!, username: '', displayName: '' },
      lastSeq: r.lastSeq,
      readSeq: r.readSeq,
      unread: Math.max(0, r.lastSeq - r.readSeq),
      lastMessage: r.lastMessage && toWireMessage(r.lastMessage),
      updatedAt: r.updatedAt,
    }));
    const last = page.at(-1);
    return { conversations, more: rows.length > limit, ...(rows.length > limit && last ? { next: `${last.updatedAt}:${last.conv}` } : {}) };
  }

  /** Moves the caller's read cursor and tells the caller's other devices. */
  async markRead(caller: Caller, data: RequestData<'conv.read'>): Promise<ResultData<'conv.read'>> {
    this.members(caller, data.conv);
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
