export * from './errors.js';
export * from './close-codes.js';
export * from './limits.js';
export * from './common.js';
export * from './schemas.js';
export * from './frames.js';
export * from './conversations.js';
export * from './admin.js';
