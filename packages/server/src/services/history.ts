import { LIMITS, convKind, type Message, type RequestData, type ResultData } from '@warbler/protocol';
import type { Config } from '../config.js';
import type { RequestContext } from '../connections/request.js';
import { WarblerError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Access } from './access.js';
import { pageBytes, toWireMessage, wireSize } from './message-wire.js';

/** Reading the sequences: `sync` (everything after the caller's cursors) and `msg.history` (pages backwards). */
export class History {
  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly access: Access,
  ) {}

  /**
   * Everything after the caller's cursors, conversation by conversation, each in sequence order,
   * at most `limit` messages; `more` says another call has more. A conversation without a cursor
   * starts from the beginning.
   */
  async sync(caller: RequestContext, data: RequestData<'sync'>): Promise<ResultData<'sync'>> {
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
          await this.access.check(caller, conv, 'read');
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
    const maxBytes = pageBytes(this.config);
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

  async history(caller: RequestContext, data: RequestData<'msg.history'>): Promise<ResultData<'msg.history'>> {
    await this.access.check(caller, data.conv, 'read');
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
      if (bytes > pageBytes(this.config) && first < rows.length) break;
    }
    const page = rows.slice(first);
    return { messages: page.map(toWireMessage), more: page.length > 0 && page[0]!.seq > 1 };
  }
}
