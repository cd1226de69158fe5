import { hostname } from 'node:os';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { type Op } from '@warbler/protocol';
import { OPS } from '@warbler/protocol/schemas';
import { Counter as PromCounter, Gauge as PromGauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

/** The period of the timer that measures the event loop's delay. */
const LOOP_RESOLUTION_MS = 10;
const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * The process's standard metrics (`process_*`, `nodejs_*`: CPU as a counter, memory, handles, GC, event
 * loop), collected once per process: they describe the process, not one server in it, and each
 * collection keeps an observer alive for good.
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: LOOP_RESOLUTION_MS });
  }
  return processRegistry;
}

/**
 * A monotonically increasing count, optionally split by one label. `inc` is a plain addition (it runs on
 * the hot path); the registry reads the totals when scraped.
 */
export class Counter {
  private value = 0;
  private readonly byLabel = new Map<string, number>();
  constructor(registry: Registry, name: string, help: string, label?: string) {
    const value = (): number => this.value;
    const byLabel = this.byLabel;
    new PromCounter({
      name,
      help,
      labelNames: label === undefined ? [] : [label],
      registers: [registry],
      collect() {
        this.reset();
        if (label === undefined) this.inc(value());
        else for (const [v, n] of byLabel) this.inc({ [label]: v }, n);
      },
    });
  }
  inc(n = 1, labelValue?: string): void {
    if (labelValue === undefined) this.value += n;
    else this.byLabel.set(labelValue, (this.byLabel.get(labelValue) ?? 0) + n);
  }
  get(labelValue?: string): number {
    return labelValue === undefined ? this.value : (this.byLabel.get(labelValue) ?? 0);
  }
}

/** A value read when scraped; `read` is set by whoever owns the value. */
export class Gauge {
  public read: () => number = () => 0;
  constructor(registry: Registry, name: string, help: string) {
    const read = (): number => this.read();
    new PromGauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  }
}

/** A total kept by its owner (it only grows) and read when scraped, so counting it costs the hot path nothing. */
export class CounterReading {
  public read: () => number = () => 0;
  constructor(registry: Registry, name: string, help: string) {
    const read = (): number => this.read();
    new PromCounter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }
}

/** Counts of observations per bucket: `observe` is a short loop, no allocation, no label lookup. */
class Buckets {
  private readonly counts: Float64Array;
  private sum = 0;
  count = 0;
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) {
      if (v <= this.bounds[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }
  /** The exposition's samples: cumulative buckets, `+Inf`, sum and count. */
  samples(name: string, labels: Record<string, string>): { labels: Record<string, string | number>; value: number; metricName: string }[] {
    const out = [];
    let cum = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cum += this.counts[i]!;
      out.push({ labels: { ...labels, le: this.bounds[i]! }, value: cum, metricName: `${name}_bucket` });
    }
    out.push({ labels: { ...labels, le: '+Inf' }, value: this.count, metricName: `${name}_bucket` });
    out.push({ labels, value: this.sum, metricName: `${name}_sum` }, { labels, value: this.count, metricName: `${name}_count` });
    return out;
  }
}

/**
 * Registers a histogram whose series `series` gives when scraped. prom-client's own histogram hashes
 * its labels on every observation; these are observed on the hot path (every request frame), so they
 * count in plain arrays and hand prom-client the samples (its metric contract: name, help, type, `get`).
 */
function registerHistogram(registry: Registry, name: string, help: string, series: () => [Record<string, string>, Buckets][]): void {
  const get = async () => ({
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    values: series().flatMap(([labels, b]) => b.samples(name, labels)),
  });
  registry.registerMetric({ name, help, type: 'histogram', aggregator: 'sum', get } as unknown as Metric);
}

/** A histogram (seconds unless buckets say otherwise). */
export class Histogram {
  private readonly b: Buckets;
  constructor(registry: Registry, name: string, help: string, buckets: readonly number[] = SECONDS_BUCKETS) {
    const b = (this.b = new Buckets(buckets));
    registerHistogram(registry, name, help, () => [[{}, b]]);
  }
  observe(v: number): void {
    this.b.observe(v);
  }
  /** Observations so far. */
  get total(): number {
    return this.b.count;
  }
}

/** Seconds per op: one preallocated series per op of the protocol, so observing costs no label lookup. */
export class OpLatency {
  private readonly byOp = new Map<string, Buckets>();
  constructor(registry: Registry) {
    for (const op of Object.keys(OPS)) this.byOp.set(op, new Buckets(SECONDS_BUCKETS));
    registerHistogram(
      registry,
      'warbler_op_duration_seconds',
      'From a request frame read to its answer written, by op (errors included).',
      () => [...this.byOp].map(([op, b]) => [{ op }, b]),
    );
  }
  observe(op: Op, seconds: number): void {
    this.byOp.get(op)?.observe(seconds);
  }
}

/**
 * The server's metrics, in one prom-client registry per server plus the process's standard ones,
 * rendered in Prometheus text format at /metrics. Every series carries the label `node` (this host and
 * the public port by default), so the series of several processes can be told apart and summed.
 * Counters are plain additions on the hot path; the registry reads them when scraped.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly r = this.registry;
  readonly messagesIn = new Counter(this.r, 'warbler_messages_in_total', 'Messages accepted and stored.');
  readonly messagesOut = new Counter(this.r, 'warbler_messages_out_total', 'Message events written to client sockets.');
  readonly framesIn = new Counter(this.r, 'warbler_frames_in_total', 'Request frames received.');
  readonly errors = new Counter(this.r, 'warbler_errors_total', 'Error responses sent, by code.', 'code');
  readonly connectionsOpened = new Counter(this.r, 'warbler_connections_opened_total', 'WebSocket connections accepted.');
  readonly slowConsumers = new Counter(this.r, 'warbler_slow_consumers_total', 'Connections closed for a full send buffer.');
  readonly ackLatency = new Histogram(this.r, 'warbler_ack_latency_seconds', 'From a send frame read to its ack written.');
  readonly opLatency = new OpLatency(this.r);
  readonly storeLatency = new Histogram(this.r, 'warbler_store_latency_seconds', 'Duration of one store write batch (its commit).');
  readonly batchSize = new Histogram(
    this.r,
    'warbler_store_batch_messages',
    'Writes (messages, actions, cursor moves) per store write batch.',
    [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
  );
  readonly writeWait = new Histogram(
    this.r,
    'warbler_write_wait_seconds',
    'How long the oldest write of a batch waited in the queue before its batch started.',
  );
  readonly writeFailures = new Counter(
    this.r,
    'warbler_write_failures_total',
    'Writes that failed alone in their batch (the others committed).',
  );
  readonly writeQueueDepth = new Gauge(this.r, 'warbler_write_queue_depth', 'Writes queued for the next batches.');
  readonly commitDelay = new Gauge(this.r, 'warbler_write_gather_seconds', 'How long a batch may now wait for more writes (adaptive).');
  readonly inboundWaiting = new Gauge(this.r, 'warbler_inbound_waiting_connections', 'Connections whose frames wait for a later turn.');
  readonly connections = new Gauge(this.r, 'warbler_connections', 'Open WebSocket connections.');
  /** WebSocket traffic: frames of every kind and the TCP bytes of the connections (handshake and framing included). */
  readonly wsFramesIn = new CounterReading(this.r, 'warbler_ws_frames_in_total', 'WebSocket data frames received.');
  readonly wsFramesOut = new CounterReading(this.r, 'warbler_ws_frames_out_total', 'WebSocket data frames sent.');
  readonly wsBytesIn = new CounterReading(this.r, 'warbler_ws_bytes_in_total', 'Bytes received on WebSocket connections.');
  readonly wsBytesOut = new CounterReading(this.r, 'warbler_ws_bytes_out_total', 'Bytes sent on WebSocket connections.');
  /**
   * The event loop's delay since the previous scrape (reset at every scrape): each sample is one whole
   * period of a 10 ms timer. Sampled here rather than by `monitorEventLoopDelay`, whose first period after
   * a reset is dropped: a stall that began just after a scrape went unreported.
   */
  private readonly loop: RecordableHistogram = createHistogram();
  private loopTimer: NodeJS.Timeout | undefined;
  private loopSnapshot = { p99: 0, max: 0, mean: 0 };
  private node = hostname();

  constructor() {
    let prev = performance.now();
    this.loopTimer = setInterval(() => {
      const now = performance.now();
      this.loop.record(Math.max(1, Math.round((now - prev) * 1e6)));
      prev = now;
    }, LOOP_RESOLUTION_MS).unref();
    processMetrics();
    // Each sample is the timer's whole interval: what is beyond its period is the delay.
    const beyond = (ns: number): number => Math.max(0, ns / 1e9 - LOOP_RESOLUTION_MS / 1000);
    const loopGauge = (name: string, help: string, read: () => number) => (new Gauge(this.r, name, help).read = read);
    loopGauge('warbler_event_loop_delay_p99_seconds', 'Event-loop delay beyond a 10 ms timer, p99 since the previous scrape.', () =>
      beyond(this.loopSnapshot.p99),
    );
    loopGauge('warbler_event_loop_delay_max_seconds', 'Event-loop delay beyond a 10 ms timer, longest since the previous scrape.', () =>
      beyond(this.loopSnapshot.max),
    );
    loopGauge(
      'warbler_event_loop_lag_seconds',
      'A 10 ms timer’s period, p99 since the previous scrape.',
      () => this.loopSnapshot.p99 / 1e9,
    );
    loopGauge(
      'warbler_event_loop_lag_mean_seconds',
      'A 10 ms timer’s period, mean since the previous scrape.',
      () => this.loopSnapshot.mean / 1e9,
    );
  }

  /** Sets the `node` label of every series (e.g. `host:8080`); by default the host name. */
  setNode(node: string): void {
    this.node = node;
  }

  /** The content type of `render`'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Prometheus text of this server's and the process's metrics; resets the since-the-previous-scrape figures. */
  async render(): Promise<string> {
    const l = this.loop;
    this.loopSnapshot = l.count > 0 ? { p99: l.percentile(99), max: l.max, mean: l.mean } : { p99: 0, max: 0, mean: 0 };
    l.reset();
    const all = Registry.merge([processMetrics(), this.registry]);
    all.setDefaultLabels({ node: this.node });
    return all.metrics();
  }

  stop(): void {
    clearInterval(this.loopTimer);
  }
}
