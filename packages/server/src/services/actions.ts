import { selfConvId, type RequestData, type ResultData } from '@warbler/protocol';
import type { Config } from '../config.js';
import { WarblerError } from '../errors.js';
import type { MessageEffect, NewMessage, Store } from '../store/store.js';
import { actionTarget, checkEdit, checkReaction, forwardedFields, liveTarget } from './content.js';
import type { RequestContext } from '../connections/request.js';
import type { Messaging } from './messaging.js';

/**
 * Actions on stored messages: edit, recall, react and forward are checked here and built into entries
 * of the conversation's sequence (stored and acknowledged through `Messaging.submit`, like a send);
 * delete for me is an event in the caller's account log. A retry by clientId returns the stored entry,
 * which the write batch answers as a duplicate.
 */
export class MessageActions {
  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly messaging: Messaging,
  ) {}

  /** Checks an edit (`msg.edit`) and builds its entry; submit it like a send. */
  async edit(caller: RequestContext, data: RequestData<'msg.edit'>): Promise<NewMessage> {
    const again = await this.messaging.storedAgain(caller, data.clientId);
    if (again) return again;
    const access = await this.messaging.access(caller, data.conv, 'send');
    const target = actionTarget(await this.messaging.message(data.conv, data.seq), data.seq);
    if (target.senderId !== caller.userId) throw new WarblerError('not_author', 'only the sender may edit a message');
    if (target.recalledAt !== undefined) throw new WarblerError('message_recalled', `message ${data.seq} was recalled`);
    const window = this.config.messages.editWindowSeconds;
    if (window > 0 && Date.now() - target.createdAt > window * 1000)
      throw new WarblerError('edit_window_passed', `messages can be edited for ${window} seconds`);
    checkEdit(target, data.text, this.config);
    const effect: MessageEffect = { type: 'edit', target: data.seq, text: data.text };
    return this.messaging.newMessage(caller, data.conv, access, data.clientId, 'edit', { target: data.seq, text: data.text }, effect);
  }

  /**
   * Checks a recall (`msg.recall`) and builds its entry: the sender within `messages.recallWindowSeconds`
   * (0: never), a group's owner and admins any message at any time.
   */
  async recall(caller: RequestContext, data: RequestData<'msg.recall'>): Promise<NewMessage> {
    const again = await this.messaging.storedAgain(caller, data.clientId);
    if (again) return again;
    const access = await this.messaging.access(caller, data.conv, 'send');
    const target = actionTarget(await this.messaging.message(data.conv, data.seq), data.seq);
    const admin = access.kind === 'group' && access.admin;
    if (!admin && target.senderId !== caller.userId)
      throw new WarblerError('not_author', 'only the sender (or a group admin) may recall a message');
    if (target.recalledAt !== undefined) throw new WarblerError('message_recalled', `message ${data.seq} was recalled already`);
    const window = this.config.messages.recallWindowSeconds;
    if (!admin && (window === 0 || Date.now() - target.createdAt > window * 1000))
      throw new WarblerError('recall_window_passed', `messages can be recalled for ${window} seconds`);
    return this.messaging.newMessage(
      caller,
      data.conv,
      access,
      data.clientId,
      'recall',
      { target: data.seq },
      { type: 'recall', target: data.seq },
    );
  }

  /** Checks a reaction (`msg.react`) and builds its entry. */
  async react(caller: RequestContext, data: RequestData<'msg.react'>): Promise<NewMessage> {
    const again = await this.messaging.storedAgain(caller, data.clientId);
    if (again) return again;
    const access = await this.messaging.access(caller, data.conv, 'send');
    const target = liveTarget(await this.messaging.message(data.conv, data.seq), data.seq);
    checkReaction(target, data.emoji, data.on);
    const effect: MessageEffect = { type: 'reaction', target: data.seq, emoji: data.emoji, on: data.on };
    return this.messaging.newMessage(
      caller,
      data.conv,
      access,
      data.clientId,
      'reaction',
      { target: data.seq, emoji: data.emoji, on: data.on },
      effect,
    );
  }

  /** Checks a forward (`msg.forward`) and builds the copy to store in the destination conversation. */
  async forward(caller: RequestContext, data: RequestData<'msg.forward'>): Promise<NewMessage> {
    if ((data.to === undefined) === (data.toConv === undefined))
      throw new WarblerError('invalid_frame', 'data: give exactly one of to and toConv');
    const again = await this.messaging.storedAgain(caller, data.clientId);
    if (again) return again;
    await this.messaging.access(caller, data.conv, 'read');
    const source = liveTarget(await this.messaging.message(data.conv, data.seq), data.seq);
    const conv = await this.messaging.destination(caller, data.to, data.toConv);
    const access = await this.messaging.access(caller, conv, 'send');
    return this.messaging.newMessage(caller, conv, access, data.clientId, source.kind, forwardedFields(source));
  }

  /**
   * Deletes messages for the caller only (`msg.delete`): recorded with a `deleted` event in the caller's
   * account log, which tells their other devices; resolves once durable.
   */
  async deleteForMe(caller: RequestContext, data: RequestData<'msg.delete'>): Promise<ResultData<'msg.delete'>> {
    await this.messaging.access(caller, data.conv, 'read');
    const seqs = [...new Set(data.seqs)].sort((a, b) => a - b);
    const rows = new Map((await this.store.getMessages(data.conv, seqs)).map((r) => [r.seq, r]));
    for (const seq of seqs) actionTarget(rows.get(seq), seq);
    const event = { type: 'deleted', conv: data.conv, seqs };
    await this.messaging.appendSystem(selfConvId(caller.userId), [caller.userId], caller.userId, 'account', event, caller.connId, {
      type: 'hide',
      conv: data.conv,
      seqs,
    });
    return { conv: data.conv, seqs };
  }
}
