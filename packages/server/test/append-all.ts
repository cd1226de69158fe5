import type { AppendResult, NewMessage, Store } from '../src/store/store.js';

/**
 * Stores `batch` through the group commit (`Store.commit`), as the server's write path does, and
 * resolves with each message's result; when a message failed, rejects with the first failure once the
 * others are stored.
 */
export async function appendAll(store: Store, batch: readonly NewMessage[]): Promise<AppendResult[]> {
  const out = await store.commit(batch.map((msg) => ({ type: 'append', msg })));
  const failed = out.find((o) => o.type === 'failed');
  if (failed) throw failed.error;
  return out.map((o) => (o as { result: AppendResult }).result);
}
