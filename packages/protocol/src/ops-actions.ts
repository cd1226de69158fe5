/**
 * Message actions (edit, recall, reactions, delete for me, forward), receipts and conversation flags.
 * Spread into OPS / EVENTS by schemas.ts. Document each op in docs/protocol.md.
 */
export const ACTION_OPS = {} as const;
export const ACTION_EVENTS = {} as const;
