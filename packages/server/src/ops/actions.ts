import type { Handlers } from './handler.js';

/**
 * Message actions, receipts and conversation flags. Actions that are entries in a sequence are checked
 * in arrival order, like `msg.send`, then queued; each is answered once durable.
 */
export const actionHandlers: Handlers<
  'msg.edit' | 'msg.recall' | 'msg.react' | 'msg.delete' | 'msg.forward' | 'msg.receipts' | 'conv.delivered' | 'conv.update'
> = {
  'msg.edit': async (s, data) => {
    const c = s.caller;
    return s.ctx.send.submit(c, await s.ordered(() => s.ctx.actions.edit(c, data)));
  },
  'msg.recall': async (s, data) => {
    const c = s.caller;
    return s.ctx.send.submit(c, await s.ordered(() => s.ctx.actions.recall(c, data)));
  },
  'msg.react': async (s, data) => {
    const c = s.caller;
    return s.ctx.send.submit(c, await s.ordered(() => s.ctx.actions.react(c, data)));
  },
  'msg.forward': async (s, data) => {
    const c = s.caller;
    return s.ctx.send.submit(c, await s.ordered(() => s.ctx.actions.forward(c, data)));
  },
  'msg.delete': (s, data) => s.ctx.actions.deleteForMe(s.caller, data),
  'msg.receipts': (s, data) => s.ctx.cursors.receipts(s.caller, data),
  'conv.delivered': (s, data) => s.ctx.cursors.markDelivered(s.caller, data),
  'conv.update': (s, data) => s.ctx.conversations.updateFlags(s.caller, data),
};
