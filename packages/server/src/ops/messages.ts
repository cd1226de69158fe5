import type { Caller } from '../services/messaging.js';
import type { Session } from '../session/session.js';
import type { Handlers } from './handler.js';

const caller = (s: Session): Caller => ({ userId: s.me.user.id, connId: s.connId });

/** Sending, sync, history, the conversation list and read cursors. */
export const messageHandlers: Handlers<'msg.send' | 'sync' | 'msg.history' | 'conv.list' | 'conv.read'> = {
  'msg.send': async (s, data) => {
    const c = caller(s);
    // Validate in arrival order, then queue: the store assigns sequences in this connection's order.
    const msg = await s.ordered(() => s.ctx.messaging.prepare(c, data));
    return s.ctx.messaging.submit(c, msg);
  },
  sync: (s, data) => s.ctx.messaging.sync(caller(s), data),
  'msg.history': (s, data) => s.ctx.messaging.history(caller(s), data),
  'conv.list': (s, data) => s.ctx.messaging.listConversations(caller(s), data),
  'conv.read': (s, data) => s.ctx.messaging.markRead(caller(s), data),
};
