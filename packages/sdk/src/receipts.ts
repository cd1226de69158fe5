import type { Message, RequestData, ResultData } from '@warbler/protocol';

/**
 * Delivery receipts: remembers, per conversation, the newest message from someone else that reached
 * the app, and reports it with `conv.delivered` at most once per `delayMs` for all conversations. A
 * cursor already reported, or covered by a read, is not reported again.
 */
export class DeliveryReporter {
  /** Delivery cursors to report (conversation → seq), and what was reported or read already. */
  private readonly undelivered = new Map<string, number>();
  private readonly reported = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly delayMs: number,
    /** False while reports cannot be sent (not authenticated): the cursors then wait for the next message. */
    private readonly canReport: () => boolean,
    private readonly report: (data: RequestData<'conv.delivered'>) => Promise<ResultData<'conv.delivered'>>,
  ) {}

  /** Notes a message that reached the app; `me` is the user's id (their own messages are not reported). */
  delivered(m: Message, me: number | undefined): void {
    if (m.from === me || m.conv.startsWith('u:')) return;
    if (m.seq <= (this.reported.get(m.conv) ?? 0)) return;
    this.undelivered.set(m.conv, m.seq);
    this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  /** A read up to `seq` covers delivery: nothing up to it is reported. */
  read(conv: string, seq: number): void {
    if ((this.reported.get(conv) ?? 0) < seq) this.reported.set(conv, seq);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sends the pending delivery cursors; what fails (a drop) is reported after the next message. */
  private flush(): void {
    this.timer = undefined;
    if (!this.canReport()) return;
    for (const [conv, seq] of this.undelivered) {
      this.undelivered.delete(conv);
      if (seq <= (this.reported.get(conv) ?? 0)) continue;
      this.reported.set(conv, seq);
      this.report({ conv, seq }).catch(() => undefined);
    }
  }
}
