import type { RequestData, ResultData } from '@warbler/protocol';
import type { Config } from '../config.js';
import type { RequestContext } from '../connections/request.js';
import { WarblerError } from '../errors.js';
import type { MessageEffect, NewMessage, Store } from '../store/store.js';
import type { Access } from './access.js';
import { buildContent, liveTarget, quoteOf } from './content.js';
import { messageAt, newEntry, storedAgain } from './entries.js';
import type { Journal } from './journal.js';

/**
 * Sending (`msg.send`): `prepare` checks a send and builds its entry, in the connection's arrival
 * order; `submit` queues an entry (a send's or an action's) in the journal and answers with its ack
 * once it is durable. A retry with the same clientId is answered with the first ack (`duplicate`).
 */
export class MessageSend {
  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly access: Access,
    private readonly journal: Journal,
  ) {}

  /**
   * Checks a send and builds the message to store; may wait on the store (unknown recipient, a reply's
   * target). A plain text message reads nothing from the store.
   */
  async prepare(caller: RequestContext, data: RequestData<'msg.send'>): Promise<NewMessage> {
    if ((data.to === undefined) === (data.conv === undefined))
      throw new WarblerError('invalid_frame', 'data: give exactly one of to and conv');
    const content = buildContent(data, this.config);
    const conv = await this.access.destination(caller, data.to, data.conv);
    const access = await this.access.check(caller, conv, 'send');
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
      const again = await storedAgain(this.store, caller, data.clientId);
      if (again) return again;
      content.fields.replyTo = quoteOf(liveTarget(await messageAt(this.store, conv, data.replyTo), data.replyTo));
      // The quote copies the target's text: the store records it, so a recall of the target removes it.
      const mentions = effect?.type === 'mention' ? effect.users : undefined;
      effect = { type: 'reply', target: data.replyTo, ...(mentions ? { mentions } : {}) };
    }
    return newEntry(caller, conv, access.members, { clientId: data.clientId, kind: content.kind, fields: content.fields, effect });
  }

  /** Queues a prepared entry; resolves with its ack once it is durable. */
  async submit(caller: RequestContext, msg: NewMessage): Promise<ResultData<'msg.send'>> {
    const r = await this.journal.append(msg, caller.connId);
    return { id: r.id, conv: r.conv, seq: r.seq, ts: r.createdAt, clientId: msg.clientId, duplicate: r.duplicate };
  }
}
