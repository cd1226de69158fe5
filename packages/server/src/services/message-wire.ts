import type { Message } from '@warbler/protocol';
import type { Config } from '../config.js';
import type { AppendResult, MessageRow, NewMessage } from '../store/store.js';

/**
 * The wire form of a stored message as its reader sees it now: the header fields, then the content
 * fields of its body and its state (`edited`, `reactions`); only the header and `recalled: true` when
 * it was recalled, or `deleted: true` when the reader deleted it for themself.
 */
export function toWireMessage(r: MessageRow): Message {
  const head: Message = {
    id: r.id,
    conv: r.conv,
    seq: r.seq,
    from: r.senderId,
    clientId: r.clientId,
    ts: r.createdAt,
    kind: r.kind as Message['kind'],
  };
  if (r.hidden) return { ...head, deleted: true };
  if (r.recalledAt !== undefined) return { ...head, recalled: true };
  const m = { ...head, ...(JSON.parse(r.body) as Record<string, unknown>) } as Message;
  if (r.editedAt !== undefined) m.edited = true;
  if (r.reactions !== undefined) m.reactions = JSON.parse(r.reactions) as Message['reactions'];
  return m;
}

/**
 * The `msg` event frame of a stored message, serialized once for every recipient: the stored body is
 * a JSON object of the content fields, spliced in after the header fields instead of parsed and re-encoded.
 */
export function messageFrame(m: NewMessage, r: AppendResult): string {
  const head = `{"ev":"msg","data":{"id":${r.id},"conv":"${r.conv}","seq":${r.seq},"from":${m.senderId},"clientId":${JSON.stringify(m.clientId)},"ts":${r.createdAt},"kind":"${m.kind}"`;
  return m.body.length > 2 ? `${head},${m.body.slice(1)}}` : `${head}}}`;
}

/** About how many bytes a stored message takes on the wire. */
export const wireSize = (r: MessageRow): number => Buffer.byteLength(r.body) + (r.reactions?.length ?? 0) + 200;

/**
 * Most bytes of messages in one sync or history page: half the send buffer, so a client catching up
 * is never closed as a slow consumer by the page it asked for.
 */
export const pageBytes = (config: Config): number => config.gateway.maxBufferedBytes / 2;
