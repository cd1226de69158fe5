/**
 * `@warbler/protocol`: what every client shares with the server — error codes, close codes, limits,
 * closed sets, conversation ids and the types of every frame. No runtime dependency and no `eval`, so
 * it fits a browser bundle under a strict Content Security Policy.
 * The schemas and the compiled frame validators (servers, tools) are in `@warbler/protocol/schemas`.
 */
export * from './errors.js';
export * from './close-codes.js';
export * from './limits.js';
export * from './kinds.js';
export * from './conversations.js';
export * from './well-formed.js';
export * from './admin.js';
export * from './admin-invites.js';
export * from './contact-constants.js';
export * from './group-constants.js';
// Types only: these modules build schemas at load time, which clients never need.
export type * from './common.js';
export type * from './schemas.js';
export type * from './frames.js';
export type * from './ops-groups.js';
export type * from './admin-bodies.js';
