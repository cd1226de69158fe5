import type { Message } from '@warbler/protocol';
import { DeliveryReporter, MessageStream } from '@warbler/sdk';
import type { BenchClient } from './bench-client.js';
import type { MixUserSpec } from './ipc.js';
import type { DecodedText } from './message-text.js';

/**
 * One entry of a conversation as a simulated app receives it: what the SDK's MessageStream and
 * DeliveryReporter read (`conv`, `seq`, `from`), the bench message it carries (if any), how it came,
 * and its group (an index into the run's groups; -1 for one-to-one).
 */
export interface Entry {
  conv: string;
  seq: number;
  from: number;
  bench: DecodedText | undefined;
  via: 'push' | 'sync' | 'own';
  group: number;
}

/** What a user's app hands on to the rest of the client mix (see MixInbox, MixRequests, MixGroups). */
export interface MixUserHooks {
  /** The stream delivered an entry to the app, once and in order. */
  deliver(u: MixUser, e: Entry): void;
  /** The stream holds a gap: sync fills it. */
  gap(u: MixUser): void;
  /** The DeliveryReporter reports delivery up to `seq` (`conv.delivered`); settles with the answer. */
  report(u: MixUser, d: { conv: string; seq: number }): Promise<unknown>;
  /** How likely the user is to write to group `g` rather than to another of theirs. */
  groupWeight(g: number): number;
}

/**
 * A simulated person: their connection, their conversations, and their app's state as the SDK keeps
 * it by default. Pushes, sync pages and their own acks go through the SDK's own MessageStream
 * (each sequence once, in order; a gap held until sync fills it) and delivery receipts through the
 * SDK's own DeliveryReporter (coalesced per conversation over `receiptMs`).
 */
export class MixUser {
  readonly me: number;
  readonly stream: MessageStream;
  readonly receipts: DeliveryReporter | undefined;
  /** One-to-one partners, closest first; grows when a conversation opens. */
  readonly contacts: number[];
  readonly contactSet: Set<number>;
  readonly groups: number[];
  /** Running sums of the weights of `groups` (groupPickWeight): a group is drawn from them. */
  readonly groupCumulative: Float64Array;
  /** The last sequence delivered per conversation (mirrors the stream's cursors). */
  readonly cursor = new Map<string, number>();
  /** Highest sequence pushed per conversation on this connection: pushes must rise. */
  readonly pushSeq = new Map<string, number>();
  /** Unacknowledged sends (message number → frame), resent after a reconnect with the same clientId. */
  readonly outbox = new Map<number, string>();
  /** Conversations with a read scheduled, and when a typing indicator last went out per conversation. */
  readonly readScheduled = new Set<string>();
  readonly typingAt = new Map<string, number>();
  /** Group deliveries to the app and own acknowledged group messages, by group index. */
  readonly groupGot = new Map<number, number>();
  readonly groupOwn = new Map<number, number>();
  /** The one-to-one conversation a message last arrived in: replies go there. */
  lastIncoming: string | undefined;
  /** Requests without an answer, and sends decided but not yet due (see MixSender: typing goes ahead of them). */
  inflight = 0;
  typedPending = 0;
  syncing = false;
  syncAgain = false;
  /** Offline on purpose; `closed` settles when that connection has closed. */
  away = false;
  closed: Promise<void> = Promise.resolve();
  reconnecting = false;
  everReady = false;

  constructor(
    readonly client: BenchClient,
    spec: MixUserSpec,
    receipts: { on: boolean; delayMs: number },
    hooks: MixUserHooks,
  ) {
    this.me = client.userId;
    this.contacts = [...spec.contacts];
    this.contactSet = new Set(spec.contacts);
    this.groups = spec.groups;
    let sum = 0;
    this.groupCumulative = Float64Array.from(spec.groups, (g) => (sum += hooks.groupWeight(g)));
    for (const [conv, seq] of spec.cursors) this.cursor.set(conv, seq);
    this.stream = new MessageStream(
      Object.fromEntries(spec.cursors),
      (m) => hooks.deliver(this, m as unknown as Entry),
      () => hooks.gap(this),
    );
    this.receipts = receipts.on
      ? new DeliveryReporter(
          receipts.delayMs,
          () => this.client.state === 'ready',
          (d) => hooks.report(this, d) as Promise<never>,
        )
      : undefined;
  }

  get ready(): boolean {
    return this.client.state === 'ready';
  }

  /** Takes an entry from any source into the app's stream. */
  ingest(e: Entry): void {
    this.stream.ingest(e as unknown as Message, e.via === 'sync');
  }

  /** A new one-to-one partner (a conversation opened by either side). */
  addContact(user: number): void {
    if (user === this.me || this.contactSet.has(user)) return;
    this.contactSet.add(user);
    this.contacts.push(user);
  }
}
