import type { Op } from '@warbler/protocol';
import { accountHandlers } from './account.js';
import { authHandlers } from './auth.js';
import { connectionHandlers } from './connection.js';
import type { Handlers } from './handler.js';
import { messageHandlers } from './messages.js';
import { searchHandlers } from './search.js';

/** One handler per op; the type makes a missing one a compile error. */
export const HANDLERS: Handlers<Op> = { ...connectionHandlers, ...authHandlers, ...accountHandlers, ...messageHandlers, ...searchHandlers };
