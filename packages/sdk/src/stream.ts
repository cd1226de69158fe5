import type { Message } from '@warbler/protocol';

/**
 * Turns pushes, sync pages and own acks, which may overlap and arrive out of order, into one stream
 * per conversation: each sequence delivered exactly once, in order. A message past a gap waits
 * until sync fills the gap.
 */
export class MessageStream {
  private readonly cursors = new Map<string, number>();
  private readonly held = new Map<string, Map<number, Message>>();

  constructor(
    initial: Record<string, number>,
    private readonly deliver: (m: Message) => void,
    /** Called when a gap is seen outside a sync: the owner should sync. */
    private readonly onGap: () => void,
  ) {
    for (const [conv, seq] of Object.entries(initial)) this.cursors.set(conv, seq);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.cursors);
  }

  /** The last sequence delivered in `conv` (0: none). */
  cursor(conv: string): number {
    return this.cursors.get(conv) ?? 0;
  }

  /** Moves cursors forward to `cursors` (restored from storage); never back. */
  advance(cursors: Record<string, number>): void {
    for (const [conv, seq] of Object.entries(cursors)) if (seq > (this.cursors.get(conv) ?? 0)) this.cursors.set(conv, seq);
  }

  /** Forgets every cursor and held message (another user's data). */
  reset(): void {
    this.cursors.clear();
    this.held.clear();
  }

  /** Takes one message from any source; `fromSync` messages never report a gap. */
  ingest(m: Message, fromSync = false): void {
    const cur = this.cursors.get(m.conv) ?? 0;
    if (m.seq <= cur) return;
    if (m.seq > cur + 1) {
      let h = this.held.get(m.conv);
      if (!h) this.held.set(m.conv, (h = new Map()));
      h.set(m.seq, m);
      if (!fromSync) this.onGap();
      return;
    }
    this.cursors.set(m.conv, m.seq);
    this.deliver(m);
    // Release messages that were waiting for this one.
    const h = this.held.get(m.conv);
    if (!h) return;
    let next = m.seq + 1;
    for (let w = h.get(next); w; w = h.get(next)) {
      h.delete(next);
      this.cursors.set(m.conv, next);
      this.deliver(w);
      next++;
    }
    for (const seq of h.keys()) if (seq < next) h.delete(seq);
    if (h.size === 0) this.held.delete(m.conv);
  }

  /** Drops a conversation the user is no longer in (sync reported it in `left`). */
  forget(conv: string): void {
    this.cursors.delete(conv);
    this.held.delete(conv);
  }
}
