import type { Conversation, Message, RequestData, User } from '@warbler/protocol';
import type { ReliableOp } from './outbox.js';
import type { ClientStorage } from './storage.js';

/** The logged-in device as saved: what `start()` resumes with. */
export interface SavedSession {
  token: string;
  user: User;
  deviceId: number;
  expiresAt: number;
  /** The token's lifetime as seen when it was issued (login or refresh), for the refresh schedule. */
  lifetimeMs?: number;
}
/** A send not yet acknowledged; `n` orders the outbox. */
export interface SavedSend {
  op: ReliableOp;
  data: RequestData<ReliableOp>;
  n: number;
}
/** What `restore()` and `start()` give: the saved state, at once, before any network. */
export interface Restored {
  session: SavedSession | undefined;
  /** The first page of `conversations()` as last fetched. */
  conversations: Conversation[];
  cursors: Record<string, number>;
  /** Sends not yet acknowledged, oldest first: they go out again once authenticated. */
  outbox: SavedSend[];
}
interface ConvRecord {
  cursor: number;
  messages: Message[];
}

// Keys: the session, the conversation list, one record per conversation (cursor and recent entries),
// one per unacknowledged send.
const SESSION = 'session';
const CONVS = 'convs';
const CONV = 'c:';
const OUT = 'o:';

const quiet = (p: Promise<unknown>): void => void p.catch(() => undefined);

/**
 * The client's saved state over a ClientStorage: the session, the outbox, and per conversation its
 * cursor with its `keep` most recent entries, in one record so the two never disagree. Delivered
 * entries are written in batches, `delayMs` after the first unsaved one (or on `flush()`).
 */
export class SavedState {
  private readonly recent = new Map<string, Message[]>();
  private readonly dirty = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  conversations: Conversation[] = [];

  constructor(
    readonly storage: ClientStorage,
    private readonly keep: number,
    private readonly delayMs = 50,
  ) {}

  async load(): Promise<Restored> {
    const s = this.storage;
    const [session, convs, records, sends] = await Promise.all([
      s.get<SavedSession>(SESSION),
      s.get<Conversation[]>(CONVS),
      s.entries<ConvRecord>(CONV),
      s.entries<SavedSend>(OUT),
    ]);
    const cursors: Record<string, number> = {};
    for (const [k, r] of records) {
      const conv = k.slice(CONV.length);
      cursors[conv] = r.cursor;
      this.recent.set(conv, r.messages.slice());
    }
    this.conversations = convs ?? [];
    return { session, conversations: this.conversations, cursors, outbox: sends.map(([, v]) => v).sort((a, b) => a.n - b.n) };
  }

  /** The cached recent entries of a conversation, oldest first. */
  messages(conv: string): Message[] {
    return (this.recent.get(conv) ?? []).slice(-this.keep);
  }

  /** An entry delivered in order: it moves the conversation's cursor and joins its recent entries. */
  delivered(m: Message): void {
    let list = this.recent.get(m.conv);
    if (!list) this.recent.set(m.conv, (list = []));
    if (this.keep > 0) list.push(m);
    if (list.length > 2 * this.keep) list.splice(0, list.length - this.keep);
    this.dirty.set(m.conv, m.seq);
    this.timer ??= setTimeout(() => void this.flush(), this.delayMs);
  }

  /** Writes what was delivered since the last write. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const writes = [...this.dirty].map(([conv, cursor]) => this.storage.set(CONV + conv, { cursor, messages: this.messages(conv) }));
    this.dirty.clear();
    await Promise.all(writes).catch(() => undefined);
  }

  forget(conv: string): void {
    this.recent.delete(conv);
    this.dirty.delete(conv);
    quiet(this.storage.delete(CONV + conv));
  }

  session(): Promise<SavedSession | undefined> {
    return this.storage.get<SavedSession>(SESSION).catch(() => undefined);
  }
  saveSession(s: SavedSession | undefined): Promise<void> {
    return (s ? this.storage.set(SESSION, s) : this.storage.delete(SESSION)).catch(() => undefined);
  }
  saveConversations(list: Conversation[]): void {
    this.conversations = list;
    quiet(this.storage.set(CONVS, list));
  }
  putSend(clientId: string, s: SavedSend): Promise<void> {
    return this.storage.set(OUT + clientId, s).catch(() => undefined);
  }
  dropSend(clientId: string): void {
    quiet(this.storage.delete(OUT + clientId));
  }

  /** Forgets everything (logout, or another user logged in on this storage). */
  async wipe(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty.clear();
    this.recent.clear();
    this.conversations = [];
    const all = await this.storage.entries('').catch(() => []);
    await Promise.all(all.map(([k]) => this.storage.delete(k))).catch(() => undefined);
  }
}
