import type { Handlers } from './handler.js';

/** Sending, sync, history, the conversation list and read cursors. */
export const messageHandlers: Handlers<'msg.send' | 'sync' | 'msg.history' | 'conv.list' | 'conv.read'> = {
  'msg.send': async (s, data) => {
    const c = s.caller;
    // Validate in arrival order, then queue: the store assigns sequences in this connection's order.
    const msg = await s.ordered(() => s.ctx.send.prepare(c, data));
    return s.ctx.send.submit(c, msg);
  },
  sync: (s, data) => s.ctx.history.sync(s.caller, data),
  'msg.history': (s, data) => s.ctx.history.history(s.caller, data),
  'conv.list': (s, data) => s.ctx.conversations.listConversations(s.caller, data),
  'conv.read': (s, data) => s.ctx.cursors.markRead(s.caller, data),
};
