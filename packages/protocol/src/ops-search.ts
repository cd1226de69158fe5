/** Full-text message search. Spread into OPS by schemas.ts. Document each op in docs/protocol.md. */
export const SEARCH_OPS = {} as const;
