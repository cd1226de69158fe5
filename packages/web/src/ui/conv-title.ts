import type { Conversation, User } from '@warbler/protocol';
import { parseDirectConvId } from '@warbler/protocol';
import type { Translate } from '../i18n/i18n.js';
import { nameOf } from '../state/users.js';

/** A conversation's title: the group's name, the peer's name, or "deleted user". */
export function convTitle(conv: string, c: Conversation | undefined, users: Record<number, User>, me: number, t: Translate): string {
  if (c?.group) return c.group.name;
  if (c?.peer) return c.peer.username ? c.peer.displayName || c.peer.username : t('convs.deletedUser');
  const pair = parseDirectConvId(conv);
  if (pair) return nameOf(users, pair[0] === me ? pair[1] : pair[0]);
  return conv;
}

/** The other user of a one-to-one conversation. */
export function peerOf(conv: string, me: number): number | undefined {
  const pair = parseDirectConvId(conv);
  return pair ? (pair[0] === me ? pair[1] : pair[0]) : undefined;
}
