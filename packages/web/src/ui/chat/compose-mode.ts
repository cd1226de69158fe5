import type { Message } from '@warbler/protocol';

/** What the composer is doing besides writing a new message: answering one, or changing one. */
export type ComposeMode = { reply: Message } | { edit: Message } | undefined;
