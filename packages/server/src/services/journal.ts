import { randomUUID } from 'node:crypto';
import type { Bus } from '../bus/bus.js';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { AppendResult, CursorMove, CursorResult, MessageEffect, NewMessage, Store } from '../store/store.js';
import { messageFrame } from './message-wire.js';
import { WriteBatcher, type WritePressure } from './write-batcher.js';

/** A server-made entry: a `group` or `account` event that records an action of `senderId`. */
export interface SystemEntry {
  conv: string;
  /** Who gets it: the conversation's members (all their devices but the origin's). */
  members: readonly number[];
  /** The user whose action it records. */
  senderId: number;
  kind: 'group' | 'account';
  /** Stored as `{"event": …}`. */
  event: Record<string, unknown>;
  /** What else the entry changes, in its transaction (see MessageEffect). */
  effect?: MessageEffect;
}

/** The stored message of a server-made entry, with a fresh `sys:` client id. */
export function systemMessage(e: SystemEntry): NewMessage {
  const msg: NewMessage = {
    conv: e.conv,
    members: e.members,
    senderId: e.senderId,
    clientId: `sys:${randomUUID()}`,
    kind: e.kind,
    body: JSON.stringify({ event: e.event }),
    createdAt: Date.now(),
  };
  if (e.effect) msg.effect = e.effect;
  return msg;
}

/**
 * The event journal: where entries of the conversations' sequences become durable and are then pushed.
 * Every entry goes through the group commit (`append`, `appendSystem`), read and delivery cursors too
 * (`moveCursor`); a change stored by its own store call together with its entries (groups, contacts)
 * has them pushed by `published`. Each stored entry is pushed once, after it is durable, to its
 * members' connections but the origin (the connection that made it, which gets its reply instead).
 */
export class Journal {
  /** The group commit (services/write-batcher.ts). */
  readonly batcher: WriteBatcher;

  constructor(
    store: Store,
    private readonly bus: Bus,
    config: Config,
    private readonly metrics: Metrics,
  ) {
    this.batcher = new WriteBatcher(
      store,
      {
        maxBatch: config.store.batchMaxMessages,
        maxDelayMs: config.store.commitDelayMaxMs,
        pauseAfterMs: config.store.writeQueuePauseMs,
      },
      metrics,
      (m, r, origin) => this.push(m, r, origin),
    );
  }

  /** How far behind the writes are (the gateway's backpressure). */
  get pressure(): WritePressure {
    return this.batcher;
  }

  /** Queues an entry; resolves once it is durable (or was stored already: `duplicate`) and pushed. */
  append(msg: NewMessage, origin?: string): Promise<AppendResult> {
    return this.batcher.submit(msg, origin);
  }

  /** Queues a server-made entry (see SystemEntry); resolves once it is durable and pushed. */
  appendSystem(e: SystemEntry, origin?: string): Promise<AppendResult> {
    return this.batcher.submit(systemMessage(e), origin);
  }

  /** Moves a member's cursor through the group commit; resolves with the cursor after, once durable. */
  moveCursor(m: CursorMove): Promise<CursorResult> {
    return this.batcher.move(m);
  }

  /** Pushes an entry another store call appended in its own (committed) transaction; a duplicate is not pushed again. */
  published(m: NewMessage, r: AppendResult, origin?: string): void {
    if (!r.duplicate) this.push(m, r, origin);
  }

  /** Writes everything queued so far; resolves when it is stored. */
  flush(): Promise<void> {
    return this.batcher.flush();
  }

  private push(m: NewMessage, r: AppendResult, origin: string | undefined): void {
    this.metrics.messagesIn.inc();
    this.bus.publish(m.members, messageFrame(m, r), origin);
  }
}
