import { setImmediate as nextTurn } from 'node:timers/promises';
import { CONTENT_KINDS, convKind, type RequestData, type ResultData } from '@warbler/protocol';
import { WarblerError } from '../errors.js';
import type { IndexableMessage, SearchHit } from '../store/search-store.js';
import type { ServiceDeps } from './deps.js';
import type { RequestContext } from '../connections/request.js';
import type { Access } from './access.js';
import { toWireMessage } from './message-wire.js';

const CONTENT = new Set<string>(CONTENT_KINDS);
/** Messages indexed per transaction: a few milliseconds of work, so the sends queued behind it wait little. */
const INDEX_BATCH = 500;
/** How often the indexer looks for messages to index. */
const INDEX_INTERVAL_MS = 1000;
/** Candidates one search step examines: bounds the synchronous work of a step. */
const SEARCH_STEP = 500;
/**
 * A search waits for the indexer to catch up when at most this many messages are pending (normally
 * about a second of traffic, indexed in well under a second). More means a first indexing of a large
 * database after an upgrade: the search then looks at what is indexed so far instead of waiting.
 */
const CATCH_UP_WAIT_MAX = 50_000;
/** Work one `msg.search` does before it answers with what it found and a `next` to go on. */
const SEARCH_BUDGET_MS = 50;
const DEFAULT_LIMIT = 20;
/** A decimal message id, as `next` gives it. */
const CURSOR = /^[1-9][0-9]{0,15}$/;

/** How text is compared: NFKC (full-width and half-width forms fold), lower case, no NUL. */
export function normalizeForSearch(s: string): string {
  const n = s.normalize('NFKC').toLowerCase();
  return n.includes('\0') ? n.replaceAll('\0', '') : n;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What of a message is searchable: the text (or caption), a file's name, a place's name and address,
 * and a `custom` message's top-level `text` string; normalized. Nothing of other kinds, nor of the
 * account log.
 */
export function searchableText(m: IndexableMessage): string {
  if (!CONTENT.has(m.kind) || convKind(m.conv) === 'self') return '';
  let body: unknown;
  try {
    body = JSON.parse(m.body);
  } catch {
    return '';
  }
  if (!isObject(body)) return '';
  const parts: string[] = [];
  const add = (v: unknown): void => {
    if (typeof v === 'string' && v !== '') parts.push(v);
  };
  add(body.text);
  if (isObject(body.media)) add(body.media.name);
  if (isObject(body.location)) {
    add(body.location.name);
    add(body.location.address);
  }
  if (isObject(body.custom)) add(body.custom.text);
  return parts.length === 0 ? '' : normalizeForSearch(parts.join('\n'));
}

/**
 * Full-text search over the messages a user may read.
 *
 * Indexing is off the send path: a background indexer walks the `messages` table in id order, in
 * batches of one transaction each, every second, and before each search, so a message acknowledged
 * before a search is found by it (unless a first indexing of a large database is still under way). Edits and recalls re-index their target as the indexer reaches them.
 */
export class Search {
  private timer: NodeJS.Timeout | undefined;
  /** The end of the indexer runs queued so far: runs never overlap. */
  private tail: Promise<void> = Promise.resolve();
  /** A run queued behind the current one that has not started: later callers share it. */
  private queued: Promise<void> | null = null;
  private stopped = false;

  constructor(
    protected readonly deps: ServiceDeps,
    protected readonly peers: { access: Access },
  ) {}

  async start(): Promise<void> {
    const run = (): void => {
      this.catchUp().catch((err: unknown) => this.deps.logger.error('search indexing failed', { err }));
    };
    this.timer = setInterval(run, INDEX_INTERVAL_MS);
    this.timer.unref();
    // Not awaited: after an upgrade the first run indexes every message already stored.
    run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.tail;
  }

  /**
   * Indexes every message committed before this call; resolves when they are. Runs one at a time:
   * a call while a run is in progress queues one more after it (that run may have missed the newest).
   */
  catchUp(): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.tail.then(() => {
      this.queued = null;
      return this.drain();
    });
    this.queued = run;
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async drain(): Promise<void> {
    const store = this.deps.store.search;
    while (!this.stopped) {
      if ((await store.indexNext(INDEX_BATCH, searchableText)) < INDEX_BATCH) return;
      // Between batches, let sends, acks and pushes through.
      await nextTurn();
    }
  }

  /**
   * `msg.search`: matches newest first. Throws `invalid_query` (empty or short `q`), `invalid_cursor`,
   * and the `conv` filter's access errors (`not_member`, `conversation_not_found`).
   */
  async search(caller: RequestContext, data: RequestData<'msg.search'>): Promise<ResultData<'msg.search'>> {
    // Normalized first: what is left of the query is what it searches for.
    const text = normalizeForSearch(data.q).trim();
    const chars = [...text].length;
    const min = this.deps.config.search.minQueryChars;
    if (chars === 0) throw new WarblerError('invalid_query', 'q is empty');
    if (chars < min) throw new WarblerError('invalid_query', `q is shorter than ${min} characters`);
    if (data.before !== undefined && !CURSOR.test(data.before))
      throw new WarblerError('invalid_cursor', 'before must be the next of a previous msg.search page');
    if (data.conv !== undefined) await this.peers.access.check(caller, data.conv, 'read');
    const store = this.deps.store.search;
    const catchingUp = this.catchUp();
    if ((await store.latestId()) - (await store.indexedUpTo()) <= CATCH_UP_WAIT_MAX) await catchingUp;
    else catchingUp.catch(() => undefined);

    const limit = data.limit ?? DEFAULT_LIMIT;
    // Walk down from the newest message a step at a time: each step is bounded work, the event loop
    // turns between steps, and a request that used its budget answers with what it found and `next`.
    let hi = data.before !== undefined ? Number(data.before) : (await store.indexedUpTo()) + 1;
    const hits: SearchHit[] = [];
    let next: number | undefined;
    let work = 0;
    for (;;) {
      const t0 = performance.now();
      const found = await store.candidates({ text, beforeId: hi, max: SEARCH_STEP });
      hits.push(...(await store.visible({ userId: caller.userId, ids: found.ids, conv: data.conv, from: data.from })));
      work += performance.now() - t0;
      if (hits.length > limit) {
        hits.length = limit;
        next = hits[limit - 1]!.id;
        break;
      }
      if (found.scannedTo === 0) break;
      if (hits.length === limit || work >= SEARCH_BUDGET_MS) {
        next = found.scannedTo;
        break;
      }
      hi = found.scannedTo;
      await nextTurn();
    }
    // Like sync and history, a page fits half the send buffer (it always holds one message).
    const maxBytes = this.deps.config.gateway.maxBufferedBytes / 2;
    let bytes = 0;
    for (let i = 0; i < hits.length; i++) {
      bytes += Buffer.byteLength(hits[i]!.body) + 200;
      if (i > 0 && bytes > maxBytes) {
        hits.length = i;
        next = hits[i - 1]!.id;
        break;
      }
    }
    const messages = hits.map(toWireMessage);
    return next === undefined ? { messages } : { messages, next: String(next) };
  }
}
