/**
 * `@warbler/protocol/schemas`: the TypeBox schemas of every frame and admin body, and the frame
 * validators compiled from them (`parseRequest`). For servers and tools: compiling uses `new Function`,
 * which a browser under a strict Content Security Policy refuses; clients import `@warbler/protocol`.
 */
export * from './common.js';
export * from './schemas.js';
export * from './frames.js';
export * from './ops-groups.js';
export * from './ops-contacts.js';
export * from './admin-bodies.js';
