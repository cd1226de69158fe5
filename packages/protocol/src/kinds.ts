/** Kinds of message a client sends with `msg.send`. */
export const CONTENT_KINDS = ['text', 'image', 'file', 'audio', 'video', 'location', 'custom'] as const;
export type ContentKind = (typeof CONTENT_KINDS)[number];
/**
 * Every kind in a conversation's sequence: the content kinds; the actions `edit`, `recall`,
 * `reaction` (each names its `target` sequence); `group` (membership and settings events, with
 * `event`); `account` (events in the user's own `u:` log, with `event`).
 */
export const MESSAGE_KINDS = [...CONTENT_KINDS, 'edit', 'recall', 'reaction', 'group', 'account'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
