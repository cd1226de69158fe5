import type { Op } from '@warbler/protocol';
import { accountHandlers } from './account.js';
import { actionHandlers } from './actions.js';
import { authHandlers } from './auth.js';
import { connectionHandlers } from './connection.js';
import { groupHandlers } from './groups.js';
import { contactHandlers } from './contacts.js';
import type { Handlers } from './handler.js';
import { messageHandlers } from './messages.js';
import { searchHandlers } from './search.js';

/** One handler per op; the type makes a missing one a compile error. */
export const HANDLERS: Handlers<Op> = {
  ...connectionHandlers,
  ...authHandlers,
  ...accountHandlers,
  ...messageHandlers,
  ...actionHandlers,
  ...groupHandlers,
  ...contactHandlers,
  ...searchHandlers,
};
