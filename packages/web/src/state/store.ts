import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * A tiny observable value: the app's one source of truth. Updates replace the state (never mutate it),
 * so a component re-renders only when the slice it selects changed (`Object.is`).
 * @example const unread = useSelect(appStore, (s) => s.convs[conv]?.unread ?? 0);
 */
export class Store<T> {
  private readonly listeners = new Set<() => void>();
  constructor(private state: T) {}

  get(): T {
    return this.state;
  }

  update(change: (s: T) => T): void {
    const next = change(this.state);
    if (next === this.state) return;
    this.state = next;
    for (const l of this.listeners) l();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The slice `select` picks of `store`, re-rendering the component when it changes. */
export function useSelect<T, R>(store: Store<T>, select: (s: T) => R): R {
  const [, rerender] = useState(0);
  // The latest selector is read on each change; the subscription itself is made once.
  const latest = useRef(select);
  latest.current = select;
  const value = select(store.get());
  const shown = useRef(value);
  shown.current = value;
  useEffect(() => {
    const check = () => {
      let changed: boolean;
      try {
        changed = !Object.is(latest.current(store.get()), shown.current);
      } catch {
        // The slice is gone (e.g. signed out): the parent is about to unmount this component.
        changed = true;
      }
      if (changed) rerender((n) => n + 1);
    };
    const stop = store.subscribe(check);
    // A change between the render and this effect (e.g. at start-up) would otherwise go unseen.
    check();
    return stop;
  }, [store]);
  return value;
}
