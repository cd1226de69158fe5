import type { MessageRow } from './store.js';

/** What the indexer reads of a stored message to decide what of it is searchable. */
export interface IndexableMessage {
  conv: string;
  kind: string;
  /** JSON text of the message's current content (the latest after edits; `{}` once recalled). */
  body: string;
}

/**
 * The searchable text of a message, already normalized the way queries are, or '' when the message is
 * not searchable. Supplied by the search service; the store only stores it.
 */
export type SearchableText = (m: IndexableMessage) => string;

/** One step of a search: the next candidates below `beforeId`, newest first. */
export interface CandidateQuery {
  /** What to find: a literal substring of the searchable text (normalized like it), at least 1 character. */
  text: string;
  /** Exclusive upper bound of the message ids to look at. */
  beforeId: number;
  /** Most candidates to return. */
  max: number;
}

export interface Candidates {
  /** Ids of messages whose searchable text contains the query, newest (highest) first, at most `max`. */
  ids: number[];
  /**
   * Every id in [`scannedTo`, `beforeId`) was looked at: the next step starts below it. 0 means the
   * search reached the first message.
   */
  scannedTo: number;
}

/** What of the candidates a user gets to see. */
export interface VisibleQuery {
  userId: number;
  ids: readonly number[];
  /** Only this conversation. */
  conv?: string;
  /** Only messages sent by this user. */
  from?: number;
}

/** A message found, with its state as of now (`editedAt`, `reactions` present only when set). */
export type SearchHit = MessageRow;

/**
 * The part of the Store that searches messages: see `Store.search`.
 *
 * The index is kept by an indexer off the send path: `indexNext` walks the `messages` table in id
 * order from where it last stopped. Its contract:
 * - Every message with an id up to `indexedUpTo()` has been indexed: a content message whose
 *   searchable text is not '' can be found by that text as it is now; an `edit` or `recall` row
 *   re-indexed its target from the target's current stored state (a recalled target is removed).
 * - Each call is one transaction: the index changes and the new position commit together, so a crash
 *   never indexes a message twice or skips one. Calls may run while messages are appended; they never
 *   see a message that is not committed.
 * - No message appears below the position later: on SQLite message ids are assigned in commit order
 *   (one writer at a time). Where transactions commit concurrently, every transaction that appends holds
 *   the store lock `message_ids` shared and the indexer takes it exclusive (dialect.ts), so the indexer
 *   runs only while no append is open.
 *
 * A search runs in steps, each of bounded work: `candidates` finds matching message ids below a
 * position, `visible` keeps those the user may see.
 */
export interface SearchStore {
  /**
   * Indexes at most `max` messages after the position, in id order, in one transaction; returns how
   * many it read (fewer than `max` means it caught up with every committed message).
   */
  indexNext(max: number, textOf: SearchableText): Promise<number>;
  /** The id of the last message the indexer read (0 before the first). */
  indexedUpTo(): Promise<number>;
  /** The id of the newest message stored (0 when there is none): `latestId() - indexedUpTo()` is the backlog. */
  latestId(): Promise<number>;
  /**
   * Indexed messages below `beforeId` whose searchable text contains `text` literally (no character of
   * it has a special meaning), newest first. Whoever may read them: `visible` filters.
   */
  candidates(q: CandidateQuery): Promise<Candidates>;
  /**
   * The messages among `ids` that `userId` may see, newest first: of conversations the user is a member
   * of now, not recalled, not deleted by the user for themself (hidden_messages), narrowed by `conv`
   * and `from`. Unknown ids are left out.
   */
  visible(q: VisibleQuery): Promise<SearchHit[]>;
}
