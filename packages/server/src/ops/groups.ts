import type { Handlers } from './handler.js';

type GroupOp =
  | 'group.create'
  | 'group.get'
  | 'group.members'
  | 'group.update'
  | 'group.dissolve'
  | 'group.add'
  | 'group.remove'
  | 'group.leave'
  | 'group.join'
  | 'group.requests'
  | 'group.approve'
  | 'group.role'
  | 'group.transfer'
  | 'group.mute';

/** Groups: settings, membership, roles, join requests, mutes (services/groups.ts: directory, membership, moderation). */
export const groupHandlers: Handlers<GroupOp> = {
  'group.create': (s, data) => s.ctx.groups.membership.create(s.caller, data),
  'group.get': (s, data) => s.ctx.groups.directory.get(s.caller, data),
  'group.members': (s, data) => s.ctx.groups.directory.members(s.caller, data),
  'group.update': (s, data) => s.ctx.groups.moderation.update(s.caller, data),
  'group.dissolve': (s, data) => s.ctx.groups.membership.dissolve(s.caller, data),
  'group.add': (s, data) => s.ctx.groups.membership.add(s.caller, data),
  'group.remove': (s, data) => s.ctx.groups.membership.remove(s.caller, data),
  'group.leave': (s, data) => s.ctx.groups.membership.leave(s.caller, data),
  'group.join': (s, data) => s.ctx.groups.membership.join(s.caller, data),
  'group.requests': (s, data) => s.ctx.groups.membership.requests(s.caller, data),
  'group.approve': (s, data) => s.ctx.groups.membership.approve(s.caller, data),
  'group.role': (s, data) => s.ctx.groups.moderation.setRole(s.caller, data),
  'group.transfer': (s, data) => s.ctx.groups.moderation.transfer(s.caller, data),
  'group.mute': (s, data) => s.ctx.groups.moderation.mute(s.caller, data),
};
