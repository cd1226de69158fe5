type Target = { addEventListener?(t: string, f: () => void): void; removeEventListener?(t: string, f: () => void): void };

/**
 * Calls `fn` with the browser's `online` / `offline` events (on `globalThis`, i.e. the window or a
 * worker); returns the function that stops it. Where there are no such events (Node), it does nothing.
 */
export function watchNetwork(fn: (online: boolean) => void): () => void {
  const g = globalThis as Target;
  if (typeof g.addEventListener !== 'function') return () => undefined;
  const on = (): void => fn(true);
  const off = (): void => fn(false);
  g.addEventListener('online', on);
  g.addEventListener('offline', off);
  return () => {
    g.removeEventListener?.('online', on);
    g.removeEventListener?.('offline', off);
  };
}

/** True when the browser says it has no network (`navigator.onLine` false); never in Node. */
export function networkDown(): boolean {
  return (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine === false;
}
