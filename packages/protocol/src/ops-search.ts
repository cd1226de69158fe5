import { Type } from '@sinclair/typebox';
import { ConvId, Message, UserId } from './common.js';

/** Full-text message search. Spread into OPS by schemas.ts. Document each op in docs/protocol.md. */
export const SEARCH_OPS = {
  'msg.search': {
    data: Type.Object({
      /** Searched for as a literal substring, case-insensitively; trimmed; at least `search.minQueryChars` characters. */
      q: Type.String({ maxLength: 200 }),
      /** Only this conversation (one the user may read). */
      conv: Type.Optional(ConvId),
      /** Only messages sent by this user. */
      from: Type.Optional(UserId),
      /** The `next` of the previous page. */
      before: Type.Optional(Type.String({ maxLength: 20 })),
      /** Most messages in the page: 1–100, default 20. */
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    }),
    result: Type.Object({
      /** Newest first, with their current content. */
      messages: Type.Array(Message),
      /** Present when older matches may exist: pass as `before` to continue. */
      next: Type.Optional(Type.String()),
    }),
  },
} as const;
