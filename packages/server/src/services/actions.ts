import { selfConvId, type RequestData, type ResultData } from '@warbler/protocol';
import type { Config } from '../config.js';
import { WarblerError } from '../errors.js';
import type { NewMessage, Store } from '../store/store.js';
import { actionTarget, checkEdit, checkReaction, forwardedFields, liveTarget } from './content.js';
import type { RequestContext } from '../connections/request.js';
import type { Access } from './access.js';
import { messageAt, newEntry, storedAgain } from './entries.js';
import type { Journal } from './journal.js';

/**
 * Actions on stored messages: edit, recall, react and forward are checked here and built into entries
 * of the conversation's sequence (stored and acknowledged through `MessageSend.submit`, like a send);
 * delete for me is an event in the caller's account log. A retry by clientId returns the stored entry,
 * which the write batch answers as a duplicate.
 */
export class MessageActions {
  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly access: Access,
    private readonly journal: Journal,
  ) {}

  /** Checks an edit (`msg.edit`) and builds its entry; submit it like a send. */
  async edit(caller: RequestContext, data: RequestData<'msg.edit'>): Promise<NewMessage> {
    const again = await storedAgain(this.store, caller, data.clientId);
    if (again) return again;
    const access = await this.access.check(caller, data.conv, 'send');
    const target = actionTarget(await messageAt(this.store, data.conv, data.seq), data.seq);
    if (target.senderId !== caller.userId) throw new WarblerError('not_author', 'only the sender may edit a message');
    if (target.recalledAt !== undefined) throw new WarblerError('message_recalled', `message ${data.seq} was recalled`);
    const window = this.config.messages.editWindowSeconds;
    if (window > 0 && Date.now() - target.createdAt > window * 1000)
      throw new WarblerError('edit_window_passed', `messages can be edited for ${window} seconds`);
    checkEdit(target, data.text, this.config);
    return newEntry(caller, data.conv, access.members, {
      clientId: data.clientId,
      kind: 'edit',
      fields: { target: data.seq, text: data.text },
      effect: { type: 'edit', target: data.seq, text: data.text },
    });
  }

  /**
   * Checks a recall (`msg.recall`) and builds its entry: the sender within `messages.recallWindowSeconds`
   * (0: never), a group's owner and admins any message at any time.
   */
  async recall(caller: RequestContext, data: RequestData<'msg.recall'>): Promise<NewMessage> {
    const again = await storedAgain(this.store, caller, data.clientId);
    if (again) return again;
    const access = await this.access.check(caller, data.conv, 'send');
    const target = actionTarget(await messageAt(this.store, data.conv, data.seq), data.seq);
    const admin = access.kind === 'group' && access.admin;
    if (!admin && target.senderId !== caller.userId)
      throw new WarblerError('not_author', 'only the sender (or a group admin) may recall a message');
    if (target.recalledAt !== undefined) throw new WarblerError('message_recalled', `message ${data.seq} was recalled already`);
    const window = this.config.messages.recallWindowSeconds;
    if (!admin && (window === 0 || Date.now() - target.createdAt > window * 1000))
      throw new WarblerError('recall_window_passed', `messages can be recalled for ${window} seconds`);
    return newEntry(caller, data.conv, access.members, {
      clientId: data.clientId,
      kind: 'recall',
      fields: { target: data.seq },
      effect: { type: 'recall', target: data.seq },
    });
  }

  /** Checks a reaction (`msg.react`) and builds its entry. */
  async react(caller: RequestContext, data: RequestData<'msg.react'>): Promise<NewMessage> {
    const again = await storedAgain(this.store, caller, data.clientId);
    if (again) return again;
    const access = await this.access.check(caller, data.conv, 'send');
    const target = liveTarget(await messageAt(this.store, data.conv, data.seq), data.seq);
    checkReaction(target, data.emoji, data.on);
    return newEntry(caller, data.conv, access.members, {
      clientId: data.clientId,
      kind: 'reaction',
      fields: { target: data.seq, emoji: data.emoji, on: data.on },
      effect: { type: 'reaction', target: data.seq, emoji: data.emoji, on: data.on },
    });
  }

  /** Checks a forward (`msg.forward`) and builds the copy to store in the destination conversation. */
  async forward(caller: RequestContext, data: RequestData<'msg.forward'>): Promise<NewMessage> {
    if ((data.to === undefined) === (data.toConv === undefined))
      throw new WarblerError('invalid_frame', 'data: give exactly one of to and toConv');
    const again = await storedAgain(this.store, caller, data.clientId);
    if (again) return again;
    await this.access.check(caller, data.conv, 'read');
    const source = liveTarget(await messageAt(this.store, data.conv, data.seq), data.seq);
    const conv = await this.access.destination(caller, data.to, data.toConv);
    const access = await this.access.check(caller, conv, 'send');
    return newEntry(caller, conv, access.members, { clientId: data.clientId, kind: source.kind, fields: forwardedFields(source) });
  }

  /**
   * Deletes messages for the caller only (`msg.delete`): recorded with a `deleted` event in the caller's
   * account log, which tells their other devices; resolves once durable.
   */
  async deleteForMe(caller: RequestContext, data: RequestData<'msg.delete'>): Promise<ResultData<'msg.delete'>> {
    await this.access.check(caller, data.conv, 'read');
    const seqs = [...new Set(data.seqs)].sort((a, b) => a - b);
    const rows = new Map((await this.store.getMessages(data.conv, seqs)).map((r) => [r.seq, r]));
    for (const seq of seqs) actionTarget(rows.get(seq), seq);
    await this.journal.appendSystem(
      {
        conv: selfConvId(caller.userId),
        members: [caller.userId],
        senderId: caller.userId,
        kind: 'account',
        event: { type: 'deleted', conv: data.conv, seqs },
        effect: { type: 'hide', conv: data.conv, seqs },
      },
      caller.connId,
    );
    return { conv: data.conv, seqs };
  }
}
