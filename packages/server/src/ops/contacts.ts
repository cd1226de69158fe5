import type { Caller } from '../services/messaging.js';
import type { Session } from '../session/session.js';
import type { Handlers } from './handler.js';

const caller = (s: Session): Caller => ({ userId: s.me.user.id, connId: s.connId });

type ContactOp =
  | 'profile.update'
  | 'privacy.update'
  | 'user.search'
  | 'friend.request'
  | 'friend.accept'
  | 'friend.decline'
  | 'friend.remove'
  | 'friend.list'
  | 'friend.requests'
  | 'block.add'
  | 'block.remove'
  | 'block.list'
  | 'presence.watch'
  | 'presence.unwatch'
  | 'typing';

/** Profiles, privacy, user search, friends, blocks, presence and typing. */
export const contactHandlers: Handlers<ContactOp> = {
  'profile.update': (s, data) => s.ctx.contacts.updateProfile(caller(s), data),
  'privacy.update': (s, data) => s.ctx.contacts.updatePrivacy(caller(s), data),
  'user.search': (s, data) => s.ctx.lookups.search(s.me.user.id, data),
  'friend.request': (s, data) => s.ctx.contacts.request(caller(s), data),
  'friend.accept': (s, data) => s.ctx.contacts.accept(caller(s), data),
  'friend.decline': (s, data) => s.ctx.contacts.decline(caller(s), data),
  'friend.remove': (s, data) => s.ctx.contacts.remove(caller(s), data),
  'friend.list': (s, data) => s.ctx.contacts.listFriends(caller(s), data),
  'friend.requests': (s, data) => s.ctx.contacts.listRequests(caller(s), data),
  'block.add': (s, data) => s.ctx.contacts.block(caller(s), data),
  'block.remove': (s, data) => s.ctx.contacts.unblock(caller(s), data),
  'block.list': (s, data) => s.ctx.contacts.listBlocked(caller(s), data),
  'presence.watch': (s, data) => s.ctx.presence.watch(s, data),
  'presence.unwatch': async (s, data) => s.ctx.presence.unwatch(s, data),
  typing: (s, data) => s.ctx.presence.typing(s, data),
};
