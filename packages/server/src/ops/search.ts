import type { Handlers } from './handler.js';

/** Full-text search over the user's messages. */
export const searchHandlers: Handlers<'msg.search'> = {
  'msg.search': (s, data) => s.ctx.search.search(s.caller, data),
};
