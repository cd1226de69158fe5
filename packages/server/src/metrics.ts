import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** The period of the timer that measures the event loop's delay. */
const LOOP_RESOLUTION_MS = 10;

/** A monotonically increasing count, optionally split by one label. */
export class Counter {
  private value = 0;
  private readonly byLabel = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly label?: string,
  ) {}
  inc(n = 1, labelValue?: string): void {
    if (labelValue === undefined) this.value += n;
    else this.byLabel.set(labelValue, (this.byLabel.get(labelValue) ?? 0) + n);
  }
  get(labelValue?: string): number {
    return labelValue === undefined ? this.value : (this.byLabel.get(labelValue) ?? 0);
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    if (this.label === undefined) return out + `${this.name} ${this.value}\n`;
    for (const [v, n] of this.byLabel) out += `${this.name}{${this.label}="${v}"} ${n}\n`;
    return out;
  }
}

/** A value read when scraped; `read` is set by whoever owns the value. */
export class Gauge {
  constructor(
    readonly name: string,
    readonly help: string,
    public read: () => number = () => 0,
  ) {}
  render(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n${this.name} ${this.read()}\n`;
  }
}

/** A histogram of seconds with fixed buckets. `observe` costs a short loop, no allocation. */
export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  ) {
    this.counts = new Array<number>(buckets.length).fill(0);
  }
  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) {
      if (seconds <= this.buckets[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }
  get total(): number {
    return this.count;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    let cum = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      cum += this.counts[i]!;
      out += `${this.name}_bucket{le="${this.buckets[i]}"} ${cum}\n`;
    }
    out += `${this.name}_bucket{le="+Inf"} ${this.count}\n${this.name}_sum ${this.sum}\n${this.name}_count ${this.count}\n`;
    return out;
  }
}

/** The server's metrics, rendered in Prometheus text format at /metrics. */
export class Metrics {
  readonly messagesIn = new Counter('warbler_messages_in_total', 'Messages accepted and stored.');
  readonly messagesOut = new Counter('warbler_messages_out_total', 'Message events written to client sockets.');
  readonly framesIn = new Counter('warbler_frames_in_total', 'Request frames received.');
  readonly errors = new Counter('warbler_errors_total', 'Error responses sent, by code.', 'code');
  readonly connectionsOpened = new Counter('warbler_connections_opened_total', 'WebSocket connections accepted.');
  readonly slowConsumers = new Counter('warbler_slow_consumers_total', 'Connections closed for a full send buffer.');
  readonly ackLatency = new Histogram('warbler_ack_latency_seconds', 'From a send frame read to its ack written.');
  readonly storeLatency = new Histogram('warbler_store_latency_seconds', 'Duration of one store write batch (its commit).');
  readonly batchSize = new Histogram(
    'warbler_store_batch_messages',
    'Writes (messages, actions, cursor moves) per store write batch.',
    [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
  );
  readonly writeWait = new Histogram(
    'warbler_write_wait_seconds',
    'How long the oldest write of a batch waited in the queue before its batch started.',
  );
  readonly writeFailures = new Counter('warbler_write_failures_total', 'Writes that failed alone in their batch (the others committed).');
  readonly writeQueueDepth = new Gauge('warbler_write_queue_depth', 'Writes queued for the next batches.');
  readonly commitDelay = new Gauge('warbler_write_gather_seconds', 'How long a batch may now wait for more writes (adaptive).');
  readonly inboundWaiting = new Gauge('warbler_inbound_waiting_connections', 'Connections whose frames wait for a later turn.');
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  /** The same, reset at every scrape: the event loop's delay since the previous one. */
  private readonly recentLoop: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  private recentP99 = 0;
  private recentMax = 0;
  private readonly gauges: Gauge[] = [];

  constructor(connections: () => number) {
    this.loop.enable();
    this.recentLoop.enable();
    // Each sample is the timer's whole interval: what is beyond its period is the delay.
    const delay = (ns: number): number => Math.max(0, ns / 1e9 - LOOP_RESOLUTION_MS / 1000);
    this.gauges.push(
      new Gauge('warbler_connections', 'Open WebSocket connections.', connections),
      new Gauge('warbler_event_loop_lag_seconds', 'Event-loop delay, p99 since start.', () => this.loop.percentile(99) / 1e9),
      new Gauge('warbler_event_loop_lag_mean_seconds', 'Event-loop delay, mean since start.', () => (this.loop.mean || 0) / 1e9),
      new Gauge('warbler_event_loop_delay_p99_seconds', 'Event-loop delay beyond a 10 ms timer, p99 since the previous scrape.', () =>
        delay(this.recentP99),
      ),
      new Gauge('warbler_event_loop_delay_max_seconds', 'Event-loop delay beyond a 10 ms timer, longest since the previous scrape.', () =>
        delay(this.recentMax),
      ),
      this.writeQueueDepth,
      this.commitDelay,
      this.inboundWaiting,
      new Gauge('process_resident_memory_bytes', 'Resident memory size.', () => process.memoryUsage.rss()),
      new Gauge('process_cpu_seconds_total', 'User and system CPU time.', () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1e6;
      }),
    );
  }

  render(): string {
    this.recentP99 = this.recentLoop.count > 0 ? this.recentLoop.percentile(99) : 0;
    this.recentMax = this.recentLoop.count > 0 ? this.recentLoop.max : 0;
    this.recentLoop.reset();
    const parts = [
      this.messagesIn,
      this.messagesOut,
      this.framesIn,
      this.errors,
      this.connectionsOpened,
      this.slowConsumers,
      this.ackLatency,
      this.storeLatency,
      this.batchSize,
      this.writeWait,
      this.writeFailures,
      ...this.gauges,
    ];
    return parts.map((p) => p.render()).join('');
  }

  stop(): void {
    this.loop.disable();
    this.recentLoop.disable();
  }
}
