import type { ClusterMessage, SubscribedKind, Subscriber } from './bus.js';

type Published = Exclude<ClusterMessage, { t: 'deliver' }>;
/** A subscriber of any kind, as the list keeps it. */
type AnySubscriber = (msg: Published, from: string) => unknown;

/**
 * A node's subscribers by kind, as every Bus keeps them: run in the order they were added; one that
 * throws or rejects does not stop the others, its error goes to `report`.
 */
export class Subscribers {
  private readonly byKind = new Map<SubscribedKind, AnySubscriber[]>();

  constructor(private readonly report: (err: unknown, kind: string) => void) {}

  add<K extends SubscribedKind>(kind: K, handler: Subscriber<K>): void {
    let list = this.byKind.get(kind);
    if (!list) this.byKind.set(kind, (list = []));
    list.push(handler as unknown as AnySubscriber);
  }

  /** Runs the subscribers of `msg`; resolves once the promises they returned have settled. */
  dispatch(msg: Published, from: string): Promise<unknown> {
    const running: Promise<unknown>[] = [];
    const fail = (err: unknown) => this.report(err, msg.t);
    for (const h of this.byKind.get(msg.t) ?? []) {
      try {
        const r = h(msg, from);
        if (r instanceof Promise) running.push(r.catch(fail));
      } catch (err) {
        fail(err);
      }
    }
    return running.length > 0 ? Promise.all(running) : Promise.resolve();
  }
}
