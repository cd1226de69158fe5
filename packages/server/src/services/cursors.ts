import type { RequestData, ResultData } from '@warbler/protocol';
import type { Bus } from '../bus/bus.js';
import type { Config } from '../config.js';
import type { RequestContext } from '../connections/request.js';
import { WarblerError } from '../errors.js';
import type { Store } from '../store/store.js';
import { peerOf, type Access } from './access.js';
import { messageAt } from './entries.js';
import type { Journal } from './journal.js';

/**
 * Read and delivery cursors (`conv.read`, `conv.delivered`) and the receipts derived from them
 * (`msg.receipts`). A cursor moves through the group commit; the receipt is pushed once it is durable.
 */
export class Cursors {
  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly bus: Bus,
    private readonly access: Access,
    private readonly journal: Journal,
  ) {}

  /**
   * Moves the caller's read cursor and tells the caller's other devices; in a one-to-one conversation
   * the peer gets a `receipt` when the cursor moved.
   */
  async markRead(caller: RequestContext, data: RequestData<'conv.read'>): Promise<ResultData<'conv.read'>> {
    const r = await this.advance(caller, data.conv, 'read', data.seq);
    this.bus.deliver([caller.userId], JSON.stringify({ ev: 'read', data: { conv: data.conv, seq: r.seq } }), caller.connId);
    return { conv: data.conv, readSeq: r.seq };
  }

  /** Moves the caller's delivery cursor (`conv.delivered`); in a one-to-one conversation the peer gets a `receipt` when it moved. */
  async markDelivered(caller: RequestContext, data: RequestData<'conv.delivered'>): Promise<ResultData<'conv.delivered'>> {
    const r = await this.advance(caller, data.conv, 'delivered', data.seq);
    return { conv: data.conv, deliveredSeq: r.seq };
  }

  /** Moves one of the caller's cursors; pushes the receipt to a one-to-one peer. */
  private async advance(caller: RequestContext, conv: string, cursor: 'read' | 'delivered', seq: number): Promise<{ seq: number }> {
    await this.access.check(caller, conv, 'read');
    const head = await this.store.getConversation(conv);
    const lastSeq = head?.lastSeq ?? 0;
    if (seq > lastSeq) throw new WarblerError('invalid_cursor', `seq ${seq} is beyond the conversation's last sequence ${lastSeq}`);
    if (!head) return { seq: 0 };
    // Through the group commit: one transaction for every cursor and message of the batch, and a
    // cursor moved many times in it is written once.
    const r = await this.journal.moveCursor({ conv, userId: caller.userId, cursor, seq });
    const peer = peerOf(conv, caller.userId);
    if (r.moved && peer !== undefined)
      this.bus.deliver([peer], JSON.stringify({ ev: 'receipt', data: { conv, user: caller.userId, [cursor]: r.seq } }));
    return r;
  }

  /**
   * Who got and read message `seq` (`msg.receipts`), among the members other than its sender; who read
   * it by name when the conversation has at most `groups.whoReadMaxMembers` members.
   */
  async receipts(caller: RequestContext, data: RequestData<'msg.receipts'>): Promise<ResultData<'msg.receipts'>> {
    const access = await this.access.check(caller, data.conv, 'read');
    const target = await messageAt(this.store, data.conv, data.seq);
    if (!target) throw new WarblerError('message_not_found', `no message ${data.seq} in this conversation`);
    const max = this.config.groups.whoReadMaxMembers;
    return this.store.receipts(data.conv, data.seq, target.senderId, max > 0 && access.members.length <= max);
  }
}
