import type { Message } from '@warbler/protocol';
import { useT } from '../../i18n/i18n.js';
import { useApp } from '../../state/app.js';

/** Sent, delivered or read, for the user's own message in a one-to-one chat (from the peer's cursors). */
export function ReceiptMark({ m }: { m: Message }) {
  const t = useT();
  const c = useApp((s) => s.convs[m.conv]);
  if (!c || c.kind !== 'direct') return null;
  const state = m.seq <= (c.peerReadSeq ?? 0) ? 'read' : m.seq <= (c.peerDeliveredSeq ?? 0) ? 'delivered' : 'sent';
  return (
    <span class={`receipt ${state}`} data-receipt={state}>
      {' · '}
      {t(`chat.${state}`)}
    </span>
  );
}
