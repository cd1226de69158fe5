/**
 * Things to do later, on one clock: a min-heap of (time, action) run by one interval timer, so
 * thousands of simulated people reading, typing and coming back online cost one timer, not one each.
 * @example const a = new Agenda(10); a.at(performance.now() + 3000, () => read()); a.start(); … a.stop();
 */
export class Agenda {
  private readonly times: number[] = [];
  private readonly actions: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly tickMs: number) {}

  get size(): number {
    return this.times.length;
  }

  /** Runs `action` at `at` (performance.now() milliseconds), or on the first tick after it. */
  at(at: number, action: () => void): void {
    const t = this.times;
    const a = this.actions;
    let i = t.length;
    t.push(at);
    a.push(action);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (t[p]! <= at) break;
      t[i] = t[p]!;
      a[i] = a[p]!;
      i = p;
    }
    t[i] = at;
    a[i] = action;
  }

  start(): void {
    this.timer ??= setInterval(() => this.runDue(performance.now()), this.tickMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Runs every action due by `now`, earliest first (actions may add more). */
  runDue(now: number): void {
    while (this.times.length > 0 && this.times[0]! <= now) this.pop()();
  }

  /** Runs everything left at once, earliest first. */
  flush(): void {
    while (this.times.length > 0) this.pop()();
  }

  private pop(): () => void {
    const t = this.times;
    const a = this.actions;
    const top = a[0]!;
    const lastT = t.pop()!;
    const lastA = a.pop()!;
    const n = t.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && t[r]! < t[l]! ? r : l;
        if (t[c]! >= lastT) break;
        t[i] = t[c]!;
        a[i] = a[c]!;
        i = c;
      }
      t[i] = lastT;
      a[i] = lastA;
    }
    return top;
  }
}
