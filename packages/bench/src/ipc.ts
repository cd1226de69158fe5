import type { SparseHistogram } from './histogram.js';
import type { MixKnobs } from './mix-options.js';

/**
 * The latency histograms a worker keeps, in microseconds. `delivery` is send → receive by push;
 * realistic and pairs add `syncDelivery` (send → receive of messages that came by sync, after a
 * reconnect: their latency includes the time offline) and one per request kind of the client mix
 * (`read` is conv.list, as in soak).
 */
export const HIST_NAMES = [
  'connect',
  'login',
  'reconnect',
  'relogin',
  'delivery',
  'ack',
  'read',
  'syncDelivery',
  'receipt',
  'readReceipt',
  'typing',
  'history',
  'sync',
] as const;
export type HistName = (typeof HIST_NAMES)[number];

/** The requests of the client mix besides msg.send: conv.delivered, conv.read, typing, msg.history, conv.list, sync. */
export const MIX_OPS = ['receipt', 'readReceipt', 'typing', 'history', 'list', 'sync'] as const;
export type MixOp = (typeof MIX_OPS)[number];
/** The histogram of each mix request. */
export const MIX_OP_HIST: Record<MixOp, HistName> = {
  receipt: 'receipt',
  readReceipt: 'readReceipt',
  typing: 'typing',
  history: 'history',
  list: 'read',
  sync: 'sync',
};

/** Counters a worker keeps; summed over workers by the coordinator. */
export const COUNTER_NAMES = [
  'connectsOk',
  'connectsFailed',
  'attempted',
  'acked',
  'sendErrors',
  'skipped',
  'duplicateAcks',
  'delivered',
  'duplicates',
  'outOfOrder',
  'foreign',
  /** group: a push of the receiver's own message (the server must leave the sending connection out). */
  'selfPushes',
  /** Pushes of bench messages the fast scan did not read (the server's push layout changed): JSON-parsed. */
  'slowPushes',
  /** group: receivers whose connection closed while messages were being sent (their deliveries are not checked). */
  'receiversLost',
  'unacked',
  'reads',
  'readErrors',
  'peakConnected',
] as const;
export type Counters = Record<(typeof COUNTER_NAMES)[number], number>;

export const newCounters = (): Counters => Object.fromEntries(COUNTER_NAMES.map((k) => [k, 0])) as Counters;

/** One user a worker connects as. */
export interface ClientSpec {
  id: number;
  token: string;
  /** Source address (127.0.0.x) when one address would run out of ports; else the system's choice. */
  address?: string;
  /** group: the index of the user's group (0 … groups-1) and its conversation id `g:<id>`. */
  group?: number;
  conv?: string;
}

export interface InitArgs {
  worker: number;
  url: string;
  /** This worker's users: its share of the main pool first, then its share of the churn pool. */
  clients: ClientSpec[];
  mainCount: number;
  /** User ids of the whole main pool in global order (message recipients are drawn from it). */
  recipients: number[];
  textBytes: number;
  maxInflight: number;
  /** Conversation partners per user (see BenchOptions.peers). */
  peers: number;
  /**
   * group: how many groups the run has. Every main client then belongs to one (`ClientSpec.group`),
   * sends to it, and checks per conversation what it receives instead of per sending worker.
   */
  groups: number;
  /** realistic, pairs: the client mix (then the worker runs a MixLoad instead of a Load). */
  mix?: MixInit;
}

/** realistic, pairs: what a worker's clients need to behave as people with their conversations. */
export interface MixInit {
  knobs: MixKnobs;
  /** Part of every clientId: the same users run several trials (rates) and a clientId is unique per user forever. */
  clientTag: string;
  /** Per main client of this worker, in order. */
  users: MixUserSpec[];
  /** Every group of the run: its conversation and member count. */
  groups: { conv: string; size: number }[];
  /** Every main user's id: new conversations open with one of them. */
  everyone: number[];
}

export interface MixUserSpec {
  /** One-to-one partners (user ids), closest first. */
  contacts: number[];
  /** Groups the user is in (indices into MixInit.groups). */
  groups: number[];
  /** How much the user sends, relative to the others. */
  activity: number;
  /** Where its client's cursors start (conversation → last seq it has). */
  cursors: [string, number][];
}

export type Pool = 'main' | 'churn' | 'all';
/** `connect` fills the connect/login histograms, `reconnect` the reconnect/relogin ones. */
export type ConnectLabel = 'connect' | 'reconnect';

/** Global index ranges [start, end) of `recipients` that messages may go to (users known online). */
export type Ranges = [number, number][];

/** Every command the coordinator sends a worker: its argument and its result. */
export interface Commands {
  init: [InitArgs, void];
  connect: [{ pool: Pool; ramp: number; concurrency: number; timeoutMs: number; label: ConnectLabel }, { ok: number; failed: number }];
  disconnect: [{ pool: Pool }, void];
  recipients: [{ ranges: Ranges | null }, void];
  send: [{ rate: number; durationMs: number }, { offered: number }];
  churn: [{ perSecond: number; durationMs: number }, void];
  reads: [{ perSecond: number; durationMs: number }, void];
  mixSend: [{ rate: number; durationMs: number }, { offered: number }];
  status: [Record<string, never>, WorkerStatus];
  final: [Record<string, never>, WorkerFinal];
}
export type CommandName = keyof Commands;

export interface WorkerStatus {
  pendingAcks: number;
  acked: number;
  delivered: number;
  connected: number;
  readyPrefix: number;
  /** group: what the expected number of deliveries so far is computed from (see `FanoutFinal`). */
  fanout?: {
    /** Per group: messages acknowledged to this worker's members. */
    acked: number[];
    /** Per group: this worker's receivers (members online since sending began). */
    receivers: number[];
    /** Messages acknowledged to the receivers themselves (a sender gets no push of its own). */
    ownOfReceivers: number;
  };
  /** realistic, pairs: what the drain waits for. */
  mix?: {
    /** Deliveries the acknowledged messages of this worker's senders owe (1:1: one; group: size − 1). */
    expected: number;
    /** Users offline or reconnecting, and syncs in flight. */
    away: number;
    syncing: number;
  };
}

export interface RpcRequest {
  rpc: number;
  cmd: CommandName;
  args: unknown;
}
export interface RpcReply {
  rpc: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** What a worker reports every second: changes since the last tick. */
export interface Tick {
  worker: number;
  /** Connections authenticated now. */
  connected: number;
  connects: number;
  attempted: number;
  acked: number;
  delivered: number;
  skipped: number;
  errors: number;
  /** Delivery latency of the messages delivered since the last tick. */
  delivery: SparseHistogram;
}
export interface TickMessage {
  tick: Tick;
}

/** Everything a worker measured, at the end. */
export interface WorkerFinal {
  counters: Counters;
  errors: Record<string, number>;
  hists: Record<HistName, SparseHistogram>;
  /** Bit n: this worker's message n was acknowledged. */
  acked: Uint8Array;
  /** Per sending worker: bit n: its message n was received here. */
  received: [number, Uint8Array][];
  /** Monotonic clock (ns, shared by the machine's processes): first send, last ack, last delivery; 0: none. */
  times: { firstSendNs: number; lastAckNs: number; lastDeliveryNs: number };
  /** group: per main client of this worker, in order. */
  fanout?: FanoutFinal;
  /** realistic, pairs: the client mix's figures. */
  mix?: MixFinal;
}

/** What a worker's client mix measured. */
export interface MixFinal {
  /**
   * Group deliveries, one row per (main client, group) membership: `receiver` is 1 when the client
   * was ever online (it then catches up on everything by sync and must have every message).
   */
  fanout: FanoutFinal;
  /** Each request kind: sent, answered with an error, and lost with a connection. */
  ops: Record<MixOp, { count: number; errors: number; lost: number }>;
  /** Events received, by name (receipt, typing, read, presence, …). */
  events: Record<string, number>;
  /** Messages delivered to the app by sync (after a reconnect or a gap) rather than by push. */
  deliveredBySync: number;
  /** Offline periods (a user closed, then came back with its token) and reconnections after a drop. */
  awayCycles: number;
  reconnects: number;
  /** Messages sent right after a typing indicator, and messages that opened a new conversation. */
  typed: number;
  newConversations: number;
  /** Longest pause between two pushed deliveries while sending, ms. */
  maxPushGapMs: number;
  /** Per main client: its cursors at the end (the next trial's clients start there). */
  cursors: [string, number][][];
}

/**
 * A group run's per-member figures, from which the coordinator derives what each member should have
 * received: every message acknowledged in its group (by any worker) but its own.
 */
export interface FanoutFinal {
  /** The member's group index. */
  group: Int32Array;
  /** Its messages acknowledged by the server. */
  own: Int32Array;
  /** Pushes of its group's messages it received in sequence order (a higher `seq` than the last). */
  got: Int32Array;
  /** 1: online from the start of sending to the end (a receiver whose deliveries are checked). */
  receiver: Uint8Array;
}
