import type { Handlers } from './handler.js';

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
  'profile.update': (s, data) => s.ctx.contacts.updateProfile(s.caller, data),
  'privacy.update': (s, data) => s.ctx.contacts.updatePrivacy(s.caller, data),
  'user.search': (s, data) => s.ctx.lookups.search(s.me.user.id, data),
  'friend.request': (s, data) => s.ctx.contacts.request(s.caller, data),
  'friend.accept': (s, data) => s.ctx.contacts.accept(s.caller, data),
  'friend.decline': (s, data) => s.ctx.contacts.decline(s.caller, data),
  'friend.remove': (s, data) => s.ctx.contacts.remove(s.caller, data),
  'friend.list': (s, data) => s.ctx.contacts.listFriends(s.caller, data),
  'friend.requests': (s, data) => s.ctx.contacts.listRequests(s.caller, data),
  'block.add': (s, data) => s.ctx.contacts.block(s.caller, data),
  'block.remove': (s, data) => s.ctx.contacts.unblock(s.caller, data),
  'block.list': (s, data) => s.ctx.contacts.listBlocked(s.caller, data),
  'presence.watch': (s, data) => s.ctx.presence.watch(s.caller, data),
  'presence.unwatch': async (s, data) => s.ctx.presence.unwatch(s.caller, data),
  typing: (s, data) => s.ctx.presence.typing(s.caller, data),
};
