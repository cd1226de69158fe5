import { randomUUID } from 'node:crypto';
import type { Bus } from '../bus/bus.js';
import type { Config } from '../config.js';
import type { Hooks } from '../hooks/hooks.js';
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

/**
 * A change stored together with the entries it produced, in one store transaction: what it did, and
 * each entry with where it was stored. The one shape of every change with events (a group change, a
 * contact change; the group commit's appends are the same, one entry each).
 */
export interface Recorded<O> {
  outcome: O;
  appended: readonly { message: NewMessage; result: AppendResult }[];
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
 * The event journal: the one way a change is stored with the entries it produces, and those entries
 * pushed. Entries of their own (messages, actions, account events) go through the group commit
 * (`append`, `appendSystem`), read and delivery cursors too (`moveCursor`); a change its own store call
 * writes with its entries in one transaction (groups, contacts) goes through `record`. Either way every
 * stored entry reaches `afterDurable`, once, after it is durable, and is pushed to its members'
 * connections but the origin (the connection that made it, which gets its reply instead); a
 * duplicate (a retry of an entry stored already) is not pushed again.
 */
export class Journal {
  /** The group commit (services/write-batcher.ts). */
  readonly batcher: WriteBatcher;

  constructor(
    store: Store,
    private readonly bus: Bus,
    config: Config,
    private readonly metrics: Metrics,
    /** beforeEntry in `append`, afterEntry in `afterDurable` (see hooks.ts for their rules). */
    private readonly hooks: Hooks,
  ) {
    this.batcher = new WriteBatcher(
      store,
      {
        maxBatch: config.store.batchMaxMessages,
        maxDelayMs: config.store.commitDelayMaxMs,
        pauseAfterMs: config.store.writeQueuePauseMs,
      },
      metrics,
      (m, r, origin) => this.afterDurable(m, r, origin),
    );
  }

  /** How far behind the writes are (the gateway's backpressure). */
  get pressure(): WritePressure {
    return this.batcher;
  }

  /**
   * Queues an entry a user makes (a send, an action); resolves once it is durable (or was stored
   * already: `duplicate`) and pushed. Throws what a beforeEntry hook throws (a veto): nothing is queued.
   */
  append(msg: NewMessage, origin?: string): Promise<AppendResult> {
    this.hooks.beforeEntry(msg);
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

  /**
   * Records a change that its store call writes with its entries in one transaction: once `write`
   * resolves (the change is durable), pushes each entry it appended; resolves with the change's
   * outcome. A change that fails (rejects) stored nothing and pushes nothing.
   */
  async record<O>(write: Promise<Recorded<O>>, origin?: string): Promise<O> {
    const done = await write;
    for (const a of done.appended) if (!a.result.duplicate) this.afterDurable(a.message, a.result, origin);
    return done.outcome;
  }

  /** Writes everything queued so far; resolves when it is stored. */
  flush(): Promise<void> {
    return this.batcher.flush();
  }

  /** An entry is durable: push it, then run the afterEntry hooks (once per stored entry, in commit order). */
  private afterDurable(m: NewMessage, r: AppendResult, origin: string | undefined): void {
    this.metrics.messagesIn.inc();
    this.bus.deliver(m.members, messageFrame(m, r), origin);
    this.hooks.afterEntry(m, r);
  }
}
