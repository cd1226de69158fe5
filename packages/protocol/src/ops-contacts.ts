/**
 * Contacts (friends, requests, blocking), profiles, user search, presence and typing.
 * Spread into OPS / EVENTS by schemas.ts. Document each op in docs/protocol.md.
 */
export const CONTACT_OPS = {} as const;
export const CONTACT_EVENTS = {} as const;
