/**
 * Group ops and events (issue "full IM feature set", part 1). Spread into OPS / EVENTS by schemas.ts.
 * Document each op in docs/protocol.md (the Ops table and a ### section).
 */
export const GROUP_OPS = {} as const;
export const GROUP_EVENTS = {} as const;
