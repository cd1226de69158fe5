/** How a `messages` row is read: its columns, and the MessageRow built from them (shared by the SQL stores). */
import type { MessageRow } from '../store.js';

const num = (v: unknown): number => Number(v);

/** The columns of a RawMessage, from `messages m`. */
export const MSG_COLS =
  'm.id, m.conv_id AS conv, m.seq, m.sender_id AS senderId, m.client_id AS clientId, m.kind, m.body, m.created_at AS createdAt, ' +
  'm.edited_at AS editedAt, m.recalled_at AS recalledAt, m.reactions';

/** A messages row as read, state columns NULL when unset; `hiddenSeq` is set when the viewer hid it. */
export type RawMessage = Omit<MessageRow, 'editedAt' | 'recalledAt' | 'reactions' | 'hidden'> & {
  editedAt: number | null;
  recalledAt: number | null;
  reactions: string | null;
  hiddenSeq?: number | null;
};

/** A MessageRow with numbers as numbers and only the state that is set. */
export function toMessage(r: RawMessage): MessageRow {
  const m: MessageRow = {
    id: num(r.id),
    conv: r.conv,
    seq: num(r.seq),
    senderId: num(r.senderId),
    clientId: r.clientId,
    kind: r.kind,
    body: r.body,
    createdAt: num(r.createdAt),
  };
  if (r.editedAt != null) m.editedAt = num(r.editedAt);
  if (r.recalledAt != null) m.recalledAt = num(r.recalledAt);
  if (r.reactions != null) m.reactions = r.reactions;
  if (r.hiddenSeq != null) m.hidden = true;
  return m;
}
